#include "moldau/common/result.h"

#include <doctest/doctest.h>

using namespace moldau;

TEST_CASE("Status::to_string") {
  CHECK(Status().to_string() == "OK");
  CHECK(Status::ok_status().ok());
  CHECK(Status(ErrorCode::kCorruptMessage, "Fetch v11: bad CRC").to_string() ==
        "CORRUPT_MESSAGE: Fetch v11: bad CRC");
  CHECK(Status(ErrorCode::kNotCoordinator, "").to_string() == "NOT_COORDINATOR");
  CHECK(Status(static_cast<ErrorCode>(999), "x").to_string() == "UNKNOWN: x");
}

Result<int> half(int v) {
  if (v % 2) return Status(ErrorCode::kInvalidRequest, "odd");
  return v / 2;
}

Result<int> quarter(int v) {
  MOLDAU_ASSIGN_OR_RETURN(int h, half(v));
  MOLDAU_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

Status check_even(int v) {
  MOLDAU_RETURN_IF_ERROR(half(v).status());
  return Status();
}

TEST_CASE("Result and the propagation macros") {
  Result<int> r = quarter(8);
  REQUIRE(r.ok());
  CHECK(*r == 2);
  Result<int> bad = quarter(6);
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidRequest);
  CHECK(bad.status().message() == "odd");
  CHECK(check_even(4).ok());
  CHECK(check_even(3).code() == ErrorCode::kInvalidRequest);
}
