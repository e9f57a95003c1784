// One line of text per reading, for the console (maic-device prints one
// every 5 s). Generated from the catalogue's families.
#pragma once

#include <string>

#include "maic/core/reading.hpp"

namespace maic::device {

// "2026-11-23T19:05:00Z  V 230.1 229.8 230.4 | A 1.20 0.90 0.00 = 2.10 | ..."
std::string reading_line(const Reading& r);

// The column headings matching reading_line, for the first line printed.
std::string reading_line_legend(int phases);

}  // namespace maic::device
