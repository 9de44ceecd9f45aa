#pragma once
// The control socket (ctl/PROTOCOL.md): a unix stream socket, one JSON request per
// line, one JSON answer per line. Answers may come later than the request (a
// switchover is answered when the coordinator accepts it); an answer for a
// connection that has gone away is dropped. Limits: 16 connections, 64 KiB per
// request, 30 s idle.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/control_request.h"
#include "resources/uv_handle.h"

namespace hacluster::daemon {

class ControlServer {
public:
    using Respond = std::function<void(const nlohmann::json& answer)>;
    // Called with a decoded request (control_request.h; lines that are not one are
    // answered here); must call respond exactly once (now or later).
    using Handler = std::function<void(const ControlRequest& request, Respond respond)>;

    ControlServer(uv_loop_t* loop, Handler handler);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Replaces a stale socket file, binds, sets mode 0660, listens. Error text on failure.
    std::optional<std::string> listen(const std::string& path);
    void close();

    static constexpr std::size_t max_connections = 16;
    static constexpr std::size_t max_request_bytes = daemon::max_request_bytes;

private:
    struct Connection;
    static void on_connection(uv_stream_t* server, int status) noexcept;
    void drop(Connection* connection);
    void sweep_idle() noexcept;

    uv_loop_t* loop_;
    Handler handler_;
    resources::UvHandle<uv_pipe_t> server_;
    resources::UvHandle<uv_timer_t> idle_timer_;
    std::vector<std::shared_ptr<Connection>> connections_;
    std::string path_;
};

}  // namespace hacluster::daemon
