#pragma once
// Compact left-aligned text tables for haclusterctl's human output: columns
// separated by two spaces, widths from the widest cell, no trailing blanks.
#include <string>
#include <string_view>
#include <vector>

namespace hacluster::ctl {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> headers);
    // Cells beyond the header count are dropped; missing cells are empty.
    void add_row(std::vector<std::string> cells);
    [[nodiscard]] std::string render() const;

private:
    std::vector<std::vector<std::string>> rows_;  // rows_[0] is the header
};

// Text from the daemon made safe for a terminal: control characters (which could
// move the cursor or fake lines) become '?'.
[[nodiscard]] std::string terminal_safe(std::string_view text);

// Columns a UTF-8 string takes on a terminal, counting each code point as one
// (names are ASCII by config; the arrows and dots of our own text are one wide).
[[nodiscard]] std::size_t display_width(std::string_view text);

}  // namespace hacluster::ctl
