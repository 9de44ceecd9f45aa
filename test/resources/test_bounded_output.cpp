#include <catch2/catch.hpp>

#include <string>

#include "resources/bounded_output.h"
#include "resources/res_logger.h"

namespace hacluster::resources::test {

TEST_CASE("bounded output keeps everything that fits", "[output]") {
    BoundedOutput out(10);
    out.append("abc");
    out.append("defghij");
    CHECK(out.text() == "abcdefghij");
    CHECK(out.total_bytes() == 10);
    CHECK(out.dropped_bytes() == 0);
}

TEST_CASE("bounded output keeps head and tail and counts the rest", "[output]") {
    BoundedOutput out(6);
    for (char c = 'a'; c <= 'z'; ++c) out.append(std::string(1, c));
    CHECK(out.text() == "abc\n[... 20 bytes dropped]\nxyz");

    BoundedOutput big_chunks(6);
    big_chunks.append("0123456789");
    big_chunks.append("ABCDEFGHIJ");
    CHECK(big_chunks.text() == "012\n[... 14 bytes dropped]\nHIJ");

    BoundedOutput odd(5);  // head 3, tail 2
    odd.append("123456");
    CHECK(odd.text() == "123\n[... 1 bytes dropped]\n56");
}

TEST_CASE("bounded output with no room only counts", "[output]") {
    BoundedOutput out(0);
    out.append("hello");
    CHECK(out.text() == "\n[... 5 bytes dropped]\n");
    BoundedOutput empty(0);
    CHECK(empty.text().empty());
}

TEST_CASE("log text escapes control bytes and invalid UTF-8", "[output]") {
    CHECK(printable("plain\ttext") == "plain\ttext");
    CHECK(printable("a\nb\rc\x1b[31m") == "a\\x0Ab\\x0Dc\\x1B[31m");
    CHECK(printable("gr\xC3\xBC\xC3\x9F") == "gr\xC3\xBC\xC3\x9F");    // valid UTF-8 stays
    CHECK(printable("\xC3") == "\\xC3");                                // cut short
    CHECK(printable("\xC0\xAF") == "\\xC0\\xAF");                       // overlong
    CHECK(printable("\xED\xA0\x80") == "\\xED\\xA0\\x80");              // surrogate
    CHECK(printable(std::string("nul\0", 4)) == "nul\\x00");
}

}  // namespace hacluster::resources::test
