// Runs a model on its own thread so the streaming thread never waits for inference unless it
// chooses to (non-live input, or within the latency budget). One job at a time: a frame is
// submitted only when the worker is idle, and the newest finished result is what counts.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "edgeinfer/edgeinfer.h"

namespace edgeinfer::gst {

struct InferenceResult {
  uint64_t frame = 0;  // the frame number the input came from
  Status status;       // a failed run
  TensorView output;   // output 0 (copied: `data` points into `storage`)
  std::vector<uint8_t> storage;
  double wall_ms = 0;  // time the run took
  double cpu_ms = 0;   // CPU time of the worker thread during the run
};

class InferenceWorker {
 public:
  // Takes the session; `delay_ms` > 0 adds a sleep to each run (tests of slow inference).
  InferenceWorker(Session session, int delay_ms);
  ~InferenceWorker();
  InferenceWorker(const InferenceWorker&) = delete;
  InferenceWorker& operator=(const InferenceWorker&) = delete;

  // Size (in floats) of input 0.
  size_t input_elements() const { return input_elements_; }
  bool idle();
  // The next run's input (input_elements() floats), to be filled while the worker is idle:
  // pre-processing writes here directly, no copy.
  float* next_input();
  // Starts a run on next_input(); false when the worker is busy.
  bool submit(uint64_t frame);
  // The newest finished result not yet taken, if any.
  std::optional<InferenceResult> take();
  // Waits until the job for `frame` is done (or `timeout_ms` passed; negative: no limit).
  std::optional<InferenceResult> wait_for(uint64_t frame, int timeout_ms);
  // Hands a taken result's storage back for the next run to fill (no allocation per run).
  void recycle(std::vector<uint8_t> storage);

 private:
  void loop();

  Session session_;
  int delay_ms_;
  size_t input_elements_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool busy_ = false;
  std::vector<float> pending_;
  uint64_t pending_frame_ = 0;
  bool has_job_ = false;
  std::optional<InferenceResult> result_;
  std::vector<uint8_t> spare_storage_;
  std::thread thread_;
};

// CPU time consumed by the calling thread, in milliseconds.
double thread_cpu_ms();

}  // namespace edgeinfer::gst
