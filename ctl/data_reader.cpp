#include "ctl/data_reader.h"

#include <cstdint>
#include <limits>

namespace hacluster::ctl {

namespace {

std::string_view type_of(const Json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "a boolean";
    if (v.is_number_unsigned()) return "a non-negative integer";
    if (v.is_number_integer()) return "a negative integer";
    if (v.is_number()) return "a number with a fraction";
    if (v.is_string()) return "a string";
    if (v.is_array()) return "an array";
    return "an object";
}

}  // namespace

std::string DataReader::child(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string DataReader::index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

void DataReader::fail(const std::string& path, std::string_view what) {
    if (error_.empty()) error_ = (path.empty() ? std::string("data") : path) + ": " + std::string(what);
}

const Json* DataReader::find(const Json& object, std::string_view key, const std::string& path) {
    if (failed()) return nullptr;
    if (!object.is_object()) {
        fail(path, "expected an object");
        return nullptr;
    }
    const auto it = object.find(std::string(key));
    if (it == object.end()) return nullptr;
    return &*it;
}

std::string DataReader::string(const Json& object, std::string_view key, const std::string& path) {
    const Json* v = find(object, key, path);
    if (v != nullptr && v->is_string()) return v->get<std::string>();
    if (!failed()) {
        fail(child(path, key), v == nullptr ? "missing" : "expected a string, got " + std::string(type_of(*v)));
    }
    return {};
}

std::uint64_t DataReader::unsigned_integer(const Json& object, std::string_view key, const std::string& path) {
    const Json* v = find(object, key, path);
    if (v != nullptr && v->is_number_unsigned()) return v->get<std::uint64_t>();
    if (!failed()) {
        fail(child(path, key), v == nullptr ? "missing"
                                            : "expected a non-negative integer, got " + std::string(type_of(*v)));
    }
    return 0;
}

namespace {

// An integer that fits int64 (nlohmann stores large positive ones as unsigned).
bool is_int64(const Json& v) {
    if (v.is_number_integer() && !v.is_number_unsigned()) return true;
    return v.is_number_unsigned() && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
}

}  // namespace

std::int64_t DataReader::integer(const Json& object, std::string_view key, const std::string& path) {
    const Json* v = find(object, key, path);
    if (v != nullptr && is_int64(*v)) return v->get<std::int64_t>();
    if (!failed()) {
        fail(child(path, key), v == nullptr ? "missing" : "expected an integer, got " + std::string(type_of(*v)));
    }
    return 0;
}

std::optional<std::int64_t> DataReader::nullable_integer(const Json& object, std::string_view key,
                                                         const std::string& path) {
    const Json* v = find(object, key, path);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (is_int64(*v)) return v->get<std::int64_t>();
    fail(child(path, key), "expected an integer or null, got " + std::string(type_of(*v)));
    return std::nullopt;
}

std::optional<std::string> DataReader::nullable_string(const Json& object, std::string_view key,
                                                       const std::string& path) {
    const Json* v = find(object, key, path);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_string()) return v->get<std::string>();
    fail(child(path, key), "expected a string or null, got " + std::string(type_of(*v)));
    return std::nullopt;
}

std::optional<std::uint64_t> DataReader::nullable_unsigned(const Json& object, std::string_view key,
                                                           const std::string& path) {
    const Json* v = find(object, key, path);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_number_unsigned()) return v->get<std::uint64_t>();
    fail(child(path, key), "expected a non-negative integer or null, got " + std::string(type_of(*v)));
    return std::nullopt;
}

const Json* DataReader::array(const Json& object, std::string_view key, const std::string& path) {
    const Json* v = find(object, key, path);
    if (v != nullptr && v->is_array()) return v;
    if (!failed()) {
        fail(child(path, key), v == nullptr ? "missing" : "expected an array, got " + std::string(type_of(*v)));
    }
    return nullptr;
}

const Json* DataReader::object(const Json& object, std::string_view key, const std::string& path) {
    const Json* v = find(object, key, path);
    if (v != nullptr && v->is_object()) return v;
    if (!failed()) {
        fail(child(path, key), v == nullptr ? "missing" : "expected an object, got " + std::string(type_of(*v)));
    }
    return nullptr;
}

const Json* DataReader::nullable_object(const Json& object, std::string_view key, const std::string& path) {
    const Json* v = find(object, key, path);
    if (v == nullptr || v->is_null()) return nullptr;
    if (v->is_object()) return v;
    fail(child(path, key), "expected an object or null, got " + std::string(type_of(*v)));
    return nullptr;
}

bool DataReader::is_object(const Json& element, const std::string& path) {
    if (failed()) return false;
    if (element.is_object()) return true;
    fail(path, "expected an object, got " + std::string(type_of(element)));
    return false;
}

}  // namespace hacluster::ctl
