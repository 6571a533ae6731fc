#include "moldau/ops/deserializers.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>

namespace moldau::ops {
namespace {

constexpr const char* kPackage = "org.apache.kafka.common.serialization.";

Result<std::string> serialization_error(std::string message) {
  return Result<std::string>(ErrorCode::kUnknownServerError, std::move(message));
}

template <class T>
T big_endian(std::string_view b) {
  std::make_unsigned_t<T> v = 0;
  for (unsigned char c : b) v = static_cast<std::make_unsigned_t<T>>((v << 8) | c);
  return static_cast<T>(v);
}

// Java's Double.toString / Float.toString: the shortest digits that read back as the same value,
// as a plain decimal with at least one fractional digit for magnitudes in [1e-3, 1e7), else as
// d.dddE<exponent>.
template <class F>
std::string java_float_text(F x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x == 0) return std::signbit(x) ? "-0.0" : "0.0";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string sci(buf, end);  // e.g. "-1.2345e+07"
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  auto e = sci.find('e');
  int exponent = std::stoi(sci.substr(e + 1));
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const F magnitude = std::fabs(x);
  if (magnitude >= F(1e-3) && magnitude < F(1e7)) {
    std::string out;
    if (exponent < 0) {
      out = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else {
      size_t int_len = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= int_len)
        out = digits + std::string(int_len - digits.size(), '0') + ".0";
      else
        out = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
    return sign + out;
  }
  std::string mantissa = digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0");
  return sign + mantissa + "E" + std::to_string(exponent);
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<Deserializer> deserializer_for(const std::string& class_name) {
  static const std::map<std::string, Deserializer> kKnown = {
      {"ByteArrayDeserializer", Deserializer::kBytes}, {"BytesDeserializer", Deserializer::kBytes},
      {"ByteBufferDeserializer", Deserializer::kBytes}, {"StringDeserializer", Deserializer::kString},
      {"LongDeserializer", Deserializer::kLong},       {"IntegerDeserializer", Deserializer::kInteger},
      {"ShortDeserializer", Deserializer::kShort},     {"DoubleDeserializer", Deserializer::kDouble},
      {"FloatDeserializer", Deserializer::kFloat},     {"BooleanDeserializer", Deserializer::kBoolean},
      {"UUIDDeserializer", Deserializer::kUuid},       {"VoidDeserializer", Deserializer::kVoid},
  };
  const std::string prefix = kPackage;
  if (class_name.rfind(prefix, 0) == 0) {
    auto it = kKnown.find(class_name.substr(prefix.size()));
    if (it != kKnown.end()) return it->second;
  }
  return Result<Deserializer>(ErrorCode::kUnknownServerError, "java.lang.ClassNotFoundException: " + class_name);
}

Result<std::string> deserialize_to_text(Deserializer d, std::string_view bytes) {
  auto sized = [&](const char* name, size_t n) -> Status {
    if (bytes.size() != n)
      return Status(ErrorCode::kUnknownServerError,
                    std::string("Size of data received by ") + name + " is not " + std::to_string(n));
    return Status();
  };
  switch (d) {
    case Deserializer::kBytes:
    case Deserializer::kString:
      return std::string(bytes);
    case Deserializer::kLong:
      if (auto s = sized("LongDeserializer", 8); !s.ok()) return s;
      return std::to_string(big_endian<int64_t>(bytes));
    case Deserializer::kInteger:
      if (auto s = sized("IntegerDeserializer", 4); !s.ok()) return s;
      return std::to_string(big_endian<int32_t>(bytes));
    case Deserializer::kShort:
      if (auto s = sized("ShortDeserializer", 2); !s.ok()) return s;
      return std::to_string(big_endian<int16_t>(bytes));
    case Deserializer::kDouble:
      if (auto s = sized("DoubleDeserializer", 8); !s.ok()) return s;
      return java_float_text(std::bit_cast<double>(big_endian<int64_t>(bytes)));
    case Deserializer::kFloat:
      if (auto s = sized("FloatDeserializer", 4); !s.ok()) return s;
      return java_float_text(std::bit_cast<float>(big_endian<int32_t>(bytes)));
    case Deserializer::kBoolean:
      if (auto s = sized("BooleanDeserializer", 1); !s.ok()) return s;
      if (bytes[0] == 0) return std::string("false");
      if (bytes[0] == 1) return std::string("true");
      return serialization_error("Unexpected byte received by BooleanDeserializer: " +
                                 std::to_string(static_cast<int>(static_cast<signed char>(bytes[0]))));
    case Deserializer::kUuid: {
      if (!is_uuid(bytes)) return serialization_error("Error parsing data into UUID");
      std::string out(bytes);
      for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return out;
    }
    case Deserializer::kVoid:
      return serialization_error("Data should be null for a VoidDeserializer.");
  }
  return std::string(bytes);
}

}  // namespace moldau::ops
