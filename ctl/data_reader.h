#pragma once
// Reads the fields haclusterctl shows out of the daemon's `data` object. The
// answer is untrusted input: a missing or mistyped field is recorded as an error
// naming its path ("nodes[1].links[0].state: expected a string"), never thrown;
// after the first error every read returns an empty value. Fields the CLI does not
// show are not looked at, so a newer daemon may add any.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ctl/control_client.h"

namespace hacluster::ctl {

class DataReader {
public:
    // Required fields.
    std::string string(const Json& object, std::string_view key, const std::string& path);
    std::uint64_t unsigned_integer(const Json& object, std::string_view key, const std::string& path);
    // Any integer: durations computed from wall clocks may come out negative after
    // a clock step, which must not make the whole status unreadable.
    std::int64_t integer(const Json& object, std::string_view key, const std::string& path);
    // Null or absent gives nullopt.
    std::optional<std::string> nullable_string(const Json& object, std::string_view key,
                                               const std::string& path);
    std::optional<std::uint64_t> nullable_unsigned(const Json& object, std::string_view key,
                                                   const std::string& path);
    std::optional<std::int64_t> nullable_integer(const Json& object, std::string_view key,
                                                 const std::string& path);
    // The field when it has that type, else nullptr (and an error). The nullable
    // object form gives nullptr without an error for null or absent.
    const Json* array(const Json& object, std::string_view key, const std::string& path);
    const Json* object(const Json& object, std::string_view key, const std::string& path);
    const Json* nullable_object(const Json& object, std::string_view key, const std::string& path);

    // An element of an array must be an object.
    bool is_object(const Json& element, const std::string& path);

    bool failed() const { return !error_.empty(); }
    // "PATH: what is wrong" of the first problem.
    const std::string& error() const { return error_; }

    static std::string child(const std::string& path, std::string_view key);
    static std::string index(const std::string& path, std::size_t i);

private:
    const Json* find(const Json& object, std::string_view key, const std::string& path);
    void fail(const std::string& path, std::string_view what);

    std::string error_;
};

}  // namespace hacluster::ctl
