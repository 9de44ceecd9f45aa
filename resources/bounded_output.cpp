#include "resources/bounded_output.h"

#include <algorithm>

namespace hacluster::resources {

BoundedOutput::BoundedOutput(std::size_t limit)
    : limit_(limit), head_limit_(limit - limit / 2), tail_limit_(limit / 2) {}

void BoundedOutput::append(std::string_view bytes) {
    total_ += bytes.size();
    if (head_.size() < head_limit_) {
        const std::size_t n = std::min(bytes.size(), head_limit_ - head_.size());
        head_.append(bytes.substr(0, n));
        bytes.remove_prefix(n);
    }
    if (tail_limit_ == 0) return;
    if (bytes.size() >= tail_limit_) {
        // The new bytes alone fill the tail: keep their end.
        tail_.assign(bytes.substr(bytes.size() - tail_limit_));
        tail_start_ = 0;
        return;
    }
    for (const char c : bytes) {
        if (tail_.size() < tail_limit_) {
            tail_.push_back(c);
        } else {
            tail_[tail_start_] = c;
            tail_start_ = (tail_start_ + 1) % tail_limit_;
        }
    }
}

std::string BoundedOutput::text() const {
    std::string out = head_;
    if (const std::size_t dropped = dropped_bytes(); dropped > 0) {
        out += "\n[... " + std::to_string(dropped) + " bytes dropped]\n";
    }
    out.append(tail_, tail_start_, std::string::npos);
    out.append(tail_, 0, tail_start_);
    return out;
}

}  // namespace hacluster::resources
