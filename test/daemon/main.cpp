// Catch2's implementation in a file of its own (GCC 12 + sanitizers warn inside it).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
