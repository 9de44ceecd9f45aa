// Replay protection per sender (agent/replay_window.h).
#include <catch2/catch.hpp>

#include "agent/replay_window.h"

using hacluster::agent::ReplayVerdict;
using hacluster::agent::ReplayWindow;
using hacluster::agent::Seq;

TEST_CASE("replay: the first packet ever is fresh, whatever its numbers", "[replay]") {
    ReplayWindow a;
    CHECK(a.check_and_record(0, 0) == ReplayVerdict::fresh);
    ReplayWindow b;
    CHECK(b.check_and_record(9, 1000) == ReplayVerdict::fresh);
    CHECK(b.incarnation() == 9);
    CHECK(b.highest() == 1000);
}

TEST_CASE("replay: duplicates are rejected, also on a second link", "[replay]") {
    ReplayWindow w;
    REQUIRE(w.check_and_record(1, 10) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 10) == ReplayVerdict::duplicate);
    REQUIRE(w.check_and_record(1, 11) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 11) == ReplayVerdict::duplicate);
    CHECK(w.check_and_record(1, 10) == ReplayVerdict::duplicate);
    CHECK(w.highest() == 11);
}

TEST_CASE("replay: out of order within the window is accepted once", "[replay]") {
    ReplayWindow w;
    REQUIRE(w.check_and_record(1, 100) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 105) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 103) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 103) == ReplayVerdict::duplicate);
    CHECK(w.check_and_record(1, 101) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 104) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 102) == ReplayVerdict::fresh);
    for (Seq s = 100; s <= 105; ++s) CHECK(w.check_and_record(1, s) == ReplayVerdict::duplicate);
    CHECK(w.highest() == 105);
}

TEST_CASE("replay: the window is 64 sequence numbers and slides", "[replay]") {
    ReplayWindow w;
    REQUIRE(w.check_and_record(1, 1000) == ReplayVerdict::fresh);
    // The oldest number still inside: highest - 63.
    CHECK(w.check_and_record(1, 1000 - 63) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 1000 - 63) == ReplayVerdict::duplicate);
    CHECK(w.check_and_record(1, 1000 - 64) == ReplayVerdict::too_old);
    CHECK(w.check_and_record(1, 0) == ReplayVerdict::too_old);

    // Slide by 10: 937..946 fall out, 947 is the new oldest and still unseen.
    REQUIRE(w.check_and_record(1, 1010) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 946) == ReplayVerdict::too_old);
    CHECK(w.check_and_record(1, 1000) == ReplayVerdict::duplicate);  // kept across the slide
    CHECK(w.check_and_record(1, 947) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 1005) == ReplayVerdict::fresh);

    // A jump of exactly the window size forgets everything before it.
    REQUIRE(w.check_and_record(1, 1074) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 1010) == ReplayVerdict::too_old);
    CHECK(w.check_and_record(1, 1011) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 1073) == ReplayVerdict::fresh);

    // A huge jump (the shift must not be undefined behaviour).
    REQUIRE(w.check_and_record(1, 1'000'000'000) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 1'000'000'000 - 1) == ReplayVerdict::fresh);
    CHECK(w.check_and_record(1, 1074) == ReplayVerdict::too_old);
}

TEST_CASE("replay: in-order stream for many windows", "[replay]") {
    ReplayWindow w;
    for (Seq s = 1; s <= 1000; ++s) {
        REQUIRE(w.check_and_record(3, s) == ReplayVerdict::fresh);
        // Each packet delivered again on the second link right after.
        REQUIRE(w.check_and_record(3, s) == ReplayVerdict::duplicate);
    }
    for (Seq s = 1000 - 63; s <= 1000; ++s) CHECK(w.check_and_record(3, s) == ReplayVerdict::duplicate);
    CHECK(w.check_and_record(3, 1000 - 64) == ReplayVerdict::too_old);
}

TEST_CASE("replay: a restart starts a new window", "[replay]") {
    ReplayWindow w;
    REQUIRE(w.check_and_record(5, 500) == ReplayVerdict::fresh);
    REQUIRE(w.check_and_record(5, 501) == ReplayVerdict::fresh);

    // The peer restarted: its sequence numbers begin again, lower than before.
    CHECK(w.check_and_record(6, 1) == ReplayVerdict::new_incarnation);
    CHECK(w.incarnation() == 6);
    CHECK(w.highest() == 1);
    CHECK(w.check_and_record(6, 1) == ReplayVerdict::duplicate);
    CHECK(w.check_and_record(6, 2) == ReplayVerdict::fresh);
    // Nothing of the old window carries over: 501 in the new incarnation is new.
    CHECK(w.check_and_record(6, 501) == ReplayVerdict::fresh);

    // Packets from before the restart, replayed or late, are refused and change nothing.
    CHECK(w.check_and_record(5, 502) == ReplayVerdict::old_incarnation);
    CHECK(w.check_and_record(5, 1'000'000) == ReplayVerdict::old_incarnation);
    CHECK(w.incarnation() == 6);
    CHECK(w.highest() == 501);
    CHECK(w.check_and_record(6, 500) == ReplayVerdict::fresh);

    // Incarnations may skip (the peer restarted several times unheard).
    CHECK(w.check_and_record(9, 0) == ReplayVerdict::new_incarnation);
    CHECK(w.check_and_record(6, 502) == ReplayVerdict::old_incarnation);
    CHECK(w.check_and_record(9, 0) == ReplayVerdict::duplicate);
}
