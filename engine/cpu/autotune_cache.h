// The autotune cache: which algorithm won the timing of a layer on this machine, kept in a
// small text file in the cache directory so later loads choose at once.
//
// A key names everything the winner depends on: the op and its attributes, the input and
// weight shapes, the thread count and the CPU (its micro-kernel set and features). The file is
//
//     edgeinfer-autotune 1
//     KEY<TAB>ALGORITHM
//     ...
//
// A file that cannot be read as such (wrong header, a line without exactly one tab, an empty
// field) is ignored as a whole: every layer is timed again and the file is rewritten.
#pragma once

#include <map>
#include <string>

#include "edgeinfer/status.h"

namespace edgeinfer::cpu {

class AutotuneCache {
 public:
  // Reads `path`. A missing file gives an empty cache; a malformed one an empty cache that
  // was_corrupt() reports (and save() replaces).
  static AutotuneCache open(std::string path);

  // The algorithm recorded for `key`, or nullptr.
  const std::string* find(const std::string& key) const;
  void record(const std::string& key, const std::string& algorithm);
  // Writes the file (to a temporary name, then renamed over it) when something was recorded or
  // the file on disk was malformed; creates the folder if needed.
  Status save();

  bool was_corrupt() const { return corrupt_; }
  size_t size() const { return entries_.size(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, std::string> entries_;
  bool dirty_ = false;
  bool corrupt_ = false;
};

// Where the CPU autotune results live under `cache_dir` (empty: the default cache folder,
// $XDG_CACHE_HOME/edgeinfer or $HOME/.cache/edgeinfer); "" when no folder can be found.
std::string autotune_cache_path(const std::string& cache_dir);

// The CPU as autotune keys name it: the micro-kernel set and the vector features that change
// which algorithm wins.
std::string cpu_signature();

}  // namespace edgeinfer::cpu
