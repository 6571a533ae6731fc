#pragma once
// Standard base64 (RFC 4648, with padding): the JSON gateway's encoding of protobuf bytes
// fields, i.e. every key and value.

#include <optional>
#include <string>
#include <string_view>

namespace moldau::etcd {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not padded standard base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace moldau::etcd
