#include "sepsim/output/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

namespace sepsim {

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", c);
        out += esc;
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

std::string stream_number(double x, int significant) {
  std::ostringstream out;
  out << std::setprecision(significant) << x;
  return out.str();
}

} // namespace

Json& Json::member(const std::string& key) {
  if (!std::holds_alternative<Object>(v)) v = Object{};
  auto& obj = std::get<Object>(v);
  for (std::size_t i = 0; i < obj.keys.size(); ++i)
    if (obj.keys[i] == key) return obj.values[i];
  obj.keys.push_back(key);
  obj.values.emplace_back();
  return obj.values.back();
}

Json& Json::at(const std::string& path) {
  Json* node = this;
  std::size_t start = 0;
  while (true) {
    const auto slash = path.find('/', start);
    node = &node->member(path.substr(start, slash == std::string::npos ? slash : slash - start));
    if (slash == std::string::npos) return *node;
    start = slash + 1;
  }
}

void Json::write(std::ostream& out, int indent) const {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  if (const auto* s = std::get_if<std::string>(&v)) {
    out << *s;
  } else if (const auto* obj = std::get_if<Object>(&v)) {
    if (obj->keys.empty()) {
      out << "{}";
      return;
    }
    out << "{\n";
    for (std::size_t i = 0; i < obj->keys.size(); ++i) {
      out << pad << quoted(obj->keys[i]) << ": ";
      obj->values[i].write(out, indent + 2);
      out << (i + 1 < obj->keys.size() ? ",\n" : "\n");
    }
    out << std::string(static_cast<std::size_t>(indent), ' ') << "}";
  } else {
    const auto& arr = std::get<Array>(v);
    const bool flat = !arr.empty() && std::holds_alternative<std::string>(arr.front().v);
    out << "[";
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (!flat) out << "\n" << pad;
      arr[i].write(out, indent + 2);
      if (i + 1 < arr.size()) out << (flat ? ", " : ",");
    }
    if (!flat && !arr.empty()) out << "\n" << std::string(static_cast<std::size_t>(indent), ' ');
    out << "]";
  }
}

std::string to_text(const Json& doc) {
  std::ostringstream out;
  doc.write(out, 0);
  out << "\n";
  return out.str();
}

Json json_literal(std::string s) {
  return Json{std::move(s)};
}

Json json_number(double x) {
  if (!std::isfinite(x)) return json_literal("null");
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, x);
  return json_literal(std::string(text, result.ptr));
}

Json json_number(double x, int significant) {
  return json_literal(stream_number(x, significant));
}

Json json_integer(std::int64_t x) {
  return json_literal(std::to_string(x));
}

Json json_unsigned(std::uint64_t x) {
  return json_literal(std::to_string(x));
}

Json json_text(const std::string& s) {
  return json_literal(quoted(s));
}

Json json_bool(bool b) {
  return json_literal(b ? "true" : "false");
}

Json json_numbers(const std::vector<double>& xs) {
  Json::Array a;
  for (double x : xs)
    a.push_back(json_number(x));
  return Json{std::move(a)};
}

Json json_numbers(const std::vector<double>& xs, int significant) {
  Json::Array a;
  for (double x : xs)
    a.push_back(std::isfinite(x) ? json_number(x, significant) : json_literal("null"));
  return Json{std::move(a)};
}

} // namespace sepsim
