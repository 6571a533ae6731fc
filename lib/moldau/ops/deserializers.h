#pragma once
// Kafka's deserializers (org.apache.kafka.common.serialization.*Deserializer) as the console
// consumer's DefaultMessageFormatter uses them: the record's bytes turned into the text of the
// deserialized object's toString(). Kafka's quickstart reads Kafka Streams' counts this way
// (value.deserializer=...LongDeserializer).

#include <string>
#include <string_view>

#include "moldau/common/result.h"

namespace moldau::ops {

// kByteArray, kBytes, kByteBuffer: what Java's byte[], Bytes and ByteBuffer print (an identity
// hash, escaped bytes, the buffer's bounds); kRaw: the bytes as they are (no deserializer).
enum class Deserializer {
  kRaw, kByteArray, kBytes, kByteBuffer, kString, kLong, kInteger, kShort, kDouble, kFloat, kBoolean, kUuid, kVoid
};

// The deserializer of a Java class name (the fully qualified name Kafka's tools take), or
// "java.lang.ClassNotFoundException: <name>" for one this tool does not know.
Result<Deserializer> deserializer_for(const std::string& class_name);

// What DefaultMessageFormatter prints for `bytes`, or Kafka's
// SerializationException message, e.g. "Size of data received by LongDeserializer is not 8".
Result<std::string> deserialize_to_text(Deserializer d, std::string_view bytes);

// new String(bytes, UTF_8) encoded back: each malformed sequence (its longest valid start, or
// one byte) becomes U+FFFD, as Java's decoder replaces it.
std::string java_utf8(std::string_view bytes);

}  // namespace moldau::ops
