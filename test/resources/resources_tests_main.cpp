// Catch2's implementation, in a file of its own: GCC 12 with the sanitizers
// reports a false "maybe uninitialized" inside std::regex here (CMakeLists.txt).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
