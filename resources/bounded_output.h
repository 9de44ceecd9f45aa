#pragma once
// Captured script output with a hard bound (TigerBeetle style: a limit on
// everything). Keeps the first and the last part of what was written, since a
// script's own explanation is usually at one end, and says how much fell out in
// between.
#include <cstddef>
#include <string>
#include <string_view>

namespace hacluster::resources {

class BoundedOutput {
public:
    // limit: how many bytes of the output are kept at most (the first half and the
    // last half); the marker comes on top of that.
    explicit BoundedOutput(std::size_t limit);

    void append(std::string_view bytes);

    std::size_t total_bytes() const { return total_; }
    std::size_t dropped_bytes() const { return total_ > limit_ ? total_ - limit_ : 0; }

    // Everything when it fitted, otherwise head + "\n[... N bytes dropped]\n" + tail.
    std::string text() const;

private:
    std::size_t limit_;
    std::size_t head_limit_;  // limit_ - limit_ / 2
    std::size_t tail_limit_;  // limit_ / 2
    std::string head_;
    std::string tail_;        // ring buffer of the last tail_limit_ bytes once full
    std::size_t tail_start_ = 0;  // index of the oldest byte in tail_ when full
    std::size_t total_ = 0;
};

}  // namespace hacluster::resources
