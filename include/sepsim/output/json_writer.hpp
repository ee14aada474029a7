// A minimal ordered JSON builder for every document sepsim prints (no JSON
// library is among the project's dependencies, and the output is write-only).
// Members keep their insertion order, so documents read like the format
// description and compare byte for byte.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

namespace sepsim {

struct Json {
  // Members in insertion order (two vectors: a pair<string, Json> of the
  // incomplete Json is not allowed).
  struct Object {
    std::vector<std::string> keys;
    std::vector<Json> values;
  };
  using Array = std::vector<Json>;
  std::variant<std::string, Object, Array> v; // string holds a literal (number, "text", null)

  // The member `key`, appended (empty until assigned) when absent.
  Json& member(const std::string& key);
  // A nested member by a '/'-separated path.
  Json& at(const std::string& path);
  // Arrays of literals on one line, everything else one member per line.
  void write(std::ostream& out, int indent) const;
};

// The document and a final newline.
std::string to_text(const Json& doc);

Json json_literal(std::string s);
// The shortest text that reads back to the same double; null when not finite.
Json json_number(double x);
// As an iostream prints x with setprecision(significant): the documents of
// `boundaries` and `size` were first written by hand in that form, and keep
// it byte for byte (so a non-finite x prints as inf or nan, as it did).
Json json_number(double x, int significant);
Json json_integer(std::int64_t x);
// Exact, for 64-bit counts and seeds (a double would round them past 2^53).
Json json_unsigned(std::uint64_t x);
Json json_text(const std::string& s);
Json json_bool(bool b);
Json json_numbers(const std::vector<double>& xs);
// Each finite x with setprecision(significant), the others null.
Json json_numbers(const std::vector<double>& xs, int significant);

} // namespace sepsim
