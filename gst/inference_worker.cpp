#include "inference_worker.h"

#include <time.h>

#include <chrono>
#include <cstring>

namespace edgeinfer::gst {

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

InferenceWorker::InferenceWorker(Session session, int delay_ms)
    : session_(std::move(session)), delay_ms_(delay_ms) {
  auto input = session_.input(0);
  if (input) input_elements_ = static_cast<size_t>(input->elements());
  thread_ = std::thread([this] { loop(); });
}

InferenceWorker::~InferenceWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool InferenceWorker::idle() {
  std::lock_guard<std::mutex> lock(mutex_);
  return !busy_;
}

float* InferenceWorker::next_input() {
  // Only the streaming thread touches pending_ while the worker is idle (the worker swaps it
  // out under the lock when a job starts), so no lock is held while it is filled.
  pending_.resize(input_elements_);
  return pending_.data();
}

bool InferenceWorker::submit(uint64_t frame) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (busy_) return false;
  pending_frame_ = frame;
  has_job_ = true;
  busy_ = true;
  cv_.notify_all();
  return true;
}

std::optional<InferenceResult> InferenceWorker::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<InferenceResult> out = std::move(result_);
  result_.reset();
  return out;
}

std::optional<InferenceResult> InferenceWorker::wait_for(uint64_t frame, int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto done = [&] { return stop_ || (result_ && result_->frame >= frame); };
  if (timeout_ms < 0) {
    cv_.wait(lock, done);
  } else if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), done)) {
    return std::nullopt;
  }
  std::optional<InferenceResult> out = std::move(result_);
  result_.reset();
  return out;
}

void InferenceWorker::recycle(std::vector<uint8_t> storage) {
  std::lock_guard<std::mutex> lock(mutex_);
  spare_storage_ = std::move(storage);
}

void InferenceWorker::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  std::vector<float> input;
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || has_job_; });
    if (stop_) return;
    input.swap(pending_);
    const uint64_t frame = pending_frame_;
    has_job_ = false;
    InferenceResult result;
    result.storage.swap(spare_storage_);
    lock.unlock();

    result.frame = frame;
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_ms();
    auto tensor = session_.input(0);
    if (!tensor) {
      result.status = tensor.status();
    } else if (input.size() != static_cast<size_t>(tensor->elements())) {
      result.status = error(StatusCode::kInvalidArgument, "input size does not match the model");
    } else {
      std::memcpy(tensor->data, input.data(), input.size() * sizeof(float));
      result.status = session_.run();
    }
    if (result.status) {
      auto out = session_.output(0);
      if (!out) {
        result.status = out.status();
      } else {
        result.output = *out;
        result.storage.assign(static_cast<uint8_t*>(out->data),
                              static_cast<uint8_t*>(out->data) + out->bytes());
        result.output.data = result.storage.data();
      }
    }
    if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    result.cpu_ms = thread_cpu_ms() - cpu_start;
    result.wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

    lock.lock();
    result_ = std::move(result);
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace edgeinfer::gst
