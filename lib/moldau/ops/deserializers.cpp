#include "moldau/ops/deserializers.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <map>
#include <random>

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

std::string java_utf8(std::string_view bytes) {
  static const std::string kReplacement = "\xEF\xBF\xBD";
  std::string out;
  size_t i = 0, n = bytes.size();
  auto at = [&](size_t k) { return static_cast<unsigned char>(bytes[k]); };
  while (i < n) {
    unsigned char b = at(i);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
      i++;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    }
    if (len == 0) {
      out += kReplacement;
      i++;
      continue;
    }
    size_t k = 1;
    for (; k < len && i + k < n; k++) {
      unsigned char c = at(i + k);
      if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) break;
    }
    if (k == len) {
      out.append(bytes.substr(i, len));
    } else {
      out += kReplacement;
    }
    i += k;
  }
  return out;
}

Result<Deserializer> deserializer_for(const std::string& class_name) {
  static const std::map<std::string, Deserializer> kKnown = {
      {"ByteArrayDeserializer", Deserializer::kByteArray}, {"BytesDeserializer", Deserializer::kBytes},
      {"ByteBufferDeserializer", Deserializer::kByteBuffer}, {"StringDeserializer", Deserializer::kString},
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
    case Deserializer::kRaw:
      return std::string(bytes);
    case Deserializer::kString:
      return java_utf8(bytes);
    case Deserializer::kByteArray: {
      // byte[].toString(): its class and identity hash code, which differs per object and run.
      static std::mt19937 rng(std::random_device{}());
      char buf[16];
      std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(rng() & 0x7fffffff) | 1u);
      return std::string("[B@") + buf;
    }
    case Deserializer::kBytes: {
      // Bytes.toString(): printable ASCII but the backslash as it is, the rest as \xNN.
      std::string out;
      for (unsigned char c : bytes) {
        if (c >= ' ' && c <= '~' && c != '\\') {
          out.push_back(static_cast<char>(c));
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02X", c);
          out += buf;
        }
      }
      return out;
    }
    case Deserializer::kByteBuffer:
      return "java.nio.HeapByteBuffer[pos=0 lim=" + std::to_string(bytes.size()) + " cap=" +
             std::to_string(bytes.size()) + "]";
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
