#pragma once
// Shared by the haclusterctl tests: the PROTOCOL.md status example, read from the
// document itself so the tests follow it, and a one-connection unix-socket server
// on its own thread that plays the daemon.
#include <memory>
#include <string>
#include <thread>

namespace hacluster::ctl::test {

// The JSON of the `status` example in ctl/PROTOCOL.md.
std::string protocol_status_example();

// A scratch directory removed (with its contents) at scope end.
class TempDir {
public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

enum class ServerBehaviour {
    answer,                // read the request line, write the canned bytes, close
    close_without_answer,  // read the request line, close
    never_answer,          // read the request line, wait until the client hangs up
};

// Listens on TEMP/ctl.sock for one connection. Every wait is bounded (10 s), so a
// broken client fails the test instead of hanging it.
class FakeDaemon {
public:
    FakeDaemon(std::string reply_bytes, ServerBehaviour behaviour);
    FakeDaemon(const FakeDaemon&) = delete;
    FakeDaemon& operator=(const FakeDaemon&) = delete;
    ~FakeDaemon();

    const std::string& socket_path() const { return socket_path_; }
    // The request line the client sent (without '\n'); waits for the server thread.
    std::string request();

private:
    void serve();

    TempDir dir_;
    std::string socket_path_;
    std::string reply_;
    ServerBehaviour behaviour_;
    int listen_fd_ = -1;
    std::string request_;
    std::thread thread_;
};

// {"ok": true, "data": DATA}\n
std::string accepted_line(const std::string& data_json);

}  // namespace hacluster::ctl::test
