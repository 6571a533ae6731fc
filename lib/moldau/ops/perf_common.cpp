#include "moldau/ops/perf_common.h"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "moldau/ops/cli.h"

namespace moldau::ops {

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

std::string java_fixed(double v, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string java_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  double a = std::fabs(v);
  bool sci = a < 1e-3 || a >= 1e7;
  char buf[64];
  for (int prec = 1; prec <= 17; prec++) {
    std::snprintf(buf, sizeof buf, sci ? "%.*e" : "%.*g", sci ? prec - 1 : prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (!sci) {
    if (s.find('e') != std::string::npos) {  // %g chose an exponent: print plainly
      std::snprintf(buf, sizeof buf, "%.17f", v);
      s = buf;
      while (s.back() == '0') s.pop_back();
    }
    if (s.find('.') == std::string::npos) s += ".0";
    if (s.back() == '.') s += "0";
    return s;
  }
  // 1.5e-04 -> 1.5E-4
  auto e = s.find('e');
  std::string mant = s.substr(0, e), ex = s.substr(e + 1);
  if (mant.find('.') == std::string::npos) mant += ".0";
  int exp = std::atoi(ex.c_str());
  return mant + "E" + std::to_string(exp);
}

std::string random_uuid() {
  std::random_device rd;
  std::mt19937_64 g(((uint64_t)rd() << 32) ^ rd());
  uint64_t hi = g(), lo = g();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                        // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // IETF variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", (unsigned long long)(hi >> 32),
                (unsigned long long)((hi >> 16) & 0xFFFF), (unsigned long long)(hi & 0xFFFF),
                (unsigned long long)(lo >> 48), (unsigned long long)(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string java_date_format(const std::string& p, int64_t ms) {
  time_t secs = (time_t)(ms / 1000);
  struct tm t;
  localtime_r(&secs, &t);
  int millis = (int)(ms % 1000);
  std::string out;
  auto num = [&](long v, size_t width) {
    std::string s = std::to_string(v);
    while (s.size() < width) s = "0" + s;
    out += s;
  };
  static const char* kMonths[] = {"January", "February", "March", "April", "May", "June", "July",
                                  "August", "September", "October", "November", "December"};
  static const char* kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  for (size_t i = 0; i < p.size();) {
    char c = p[i];
    if (c == '\'') {  // quoted literal; '' is a quote
      size_t j = i + 1;
      if (j < p.size() && p[j] == '\'') {
        out += '\'';
        i += 2;
        continue;
      }
      while (j < p.size() && p[j] != '\'') out += p[j++];
      i = j + 1;
      continue;
    }
    if (!std::isalpha((unsigned char)c)) {
      out += c;
      i++;
      continue;
    }
    size_t n = 1;
    while (i + n < p.size() && p[i + n] == c) n++;
    switch (c) {
      case 'y': n == 2 ? num((t.tm_year + 1900) % 100, 2) : num(t.tm_year + 1900, n); break;
      case 'M':
        if (n >= 4) out += kMonths[t.tm_mon];
        else if (n == 3) out += std::string(kMonths[t.tm_mon]).substr(0, 3);
        else num(t.tm_mon + 1, n);
        break;
      case 'd': num(t.tm_mday, n); break;
      case 'D': num(t.tm_yday + 1, n); break;
      case 'G': out += "AD"; break;
      case 'Y': n == 2 ? num((t.tm_year + 1900) % 100, 2) : num(t.tm_year + 1900, n); break;
      case 'L':
        if (n >= 4) out += kMonths[t.tm_mon];
        else if (n == 3) out += std::string(kMonths[t.tm_mon]).substr(0, 3);
        else num(t.tm_mon + 1, n);
        break;
      case 'k': num(t.tm_hour == 0 ? 24 : t.tm_hour, n); break;
      case 'K': num(t.tm_hour % 12, n); break;
      case 'u': num(t.tm_wday == 0 ? 7 : t.tm_wday, n); break;
      case 'H': num(t.tm_hour, n); break;
      case 'h': num(t.tm_hour % 12 == 0 ? 12 : t.tm_hour % 12, n); break;
      case 'm': num(t.tm_min, n); break;
      case 's': num(t.tm_sec, n); break;
      case 'S': num(millis, n); break;
      case 'a': out += t.tm_hour < 12 ? "AM" : "PM"; break;
      case 'E': out += n >= 4 ? std::string(kDays[t.tm_wday]) : std::string(kDays[t.tm_wday]).substr(0, 3); break;
      case 'Z': {
        long off = t.tm_gmtoff / 60;
        char b[48];
        std::snprintf(b, sizeof b, "%c%02ld%02ld", off < 0 ? '-' : '+', std::labs(off) / 60, std::labs(off) % 60);
        out += b;
        break;
      }
      case 'X': {
        long off = t.tm_gmtoff / 60;
        if (off == 0) {
          out += 'Z';
        } else {
          char b[48];
          std::snprintf(b, sizeof b, n >= 3 ? "%c%02ld:%02ld" : "%c%02ld%02ld", off < 0 ? '-' : '+', std::labs(off) / 60,
                        std::labs(off) % 60);
          out += b;
        }
        break;
      }
      case 'z': out += t.tm_zone ? t.tm_zone : "UTC"; break;
      default: out += std::string(n, c); break;
    }
    i += n;
  }
  return out;
}

std::optional<std::string> java_date_pattern_error(const std::string& p) {
  static const std::string kFields = "GyMdkHmsSEDFwWahKzZYuXL";
  bool quoted = false;
  for (char c : p) {
    if (c == '\'') {
      quoted = !quoted;
    } else if (!quoted && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && kFields.find(c) == std::string::npos) {
      return std::string("Illegal pattern character '") + c + "'";
    }
  }
  if (quoted) return std::string("Unterminated quote");
  return std::nullopt;
}

void print_metrics(std::vector<std::pair<std::string, std::string>> metrics) {
  if (metrics.empty()) return;
  std::sort(metrics.begin(), metrics.end());
  size_t w = 0;
  for (const auto& m : metrics) w = std::max(w, m.first.size());
  std::printf("\n%-*s   %s\n", (int)w, "Metric Name", "Value");
  for (const auto& [name, value] : metrics) std::printf("%-*s : %s\n", (int)w, name.c_str(), value.c_str());
}

}  // namespace moldau::ops

namespace moldau::ops {

void perf_failure_exit(const std::string& message, const std::string& exception_class, const std::string& cause) {
  std::fflush(stdout);
  std::string out = message + "\n" + exception_class + ": " + message + "\n";
  if (!cause.empty()) out += "Caused by: " + cause + "\n";
  out += "\n";
  std::fputs(out.c_str(), stderr);
  std::exit(1);
}

void perf_option_exit(const std::string& message) { perf_failure_exit(message, joptsimple_exception_class(message)); }

int32_t JavaRandom::next(int bits) {
  seed_ = (seed_ * 0x5DEECE66DULL + 0xBULL) & ((1ULL << 48) - 1);
  return static_cast<int32_t>(static_cast<int64_t>(seed_) >> (48 - bits));
}

int32_t JavaRandom::next_int(int32_t bound) {
  int32_t r = next(31);
  int32_t m = bound - 1;
  if ((bound & m) == 0) return static_cast<int32_t>((static_cast<int64_t>(bound) * r) >> 31);
  for (int32_t u = r; static_cast<int32_t>(static_cast<uint32_t>(u) - static_cast<uint32_t>(r = u % bound) + static_cast<uint32_t>(m)) < 0;
       u = next(31)) {
  }
  return r;
}

int32_t SplittableRandom::next_int() {
  seed_ += 0x9e3779b97f4a7c15ULL;  // the golden gamma
  uint64_t z = seed_;
  z = (z ^ (z >> 33)) * 0x62a9d9ed799705f5ULL;
  return static_cast<int32_t>(((z ^ (z >> 28)) * 0xcb24d0a5c88c35b3ULL) >> 32);
}

int32_t SplittableRandom::next_int(int32_t bound) {
  int32_t r = next_int();
  int32_t m = bound - 1;
  if ((bound & m) == 0) return r & m;
  // Rejects the top of the range that would bias the modulus (Java's signed overflow test).
  for (uint32_t u = static_cast<uint32_t>(r) >> 1;
       static_cast<int32_t>(u + static_cast<uint32_t>(m) - static_cast<uint32_t>(r = static_cast<int32_t>(u % static_cast<uint32_t>(bound)))) < 0;
       u = static_cast<uint32_t>(next_int()) >> 1) {
  }
  return r;
}

}  // namespace moldau::ops
