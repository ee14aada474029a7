// A minimal ordered JSON writer for the run summary (no JSON library is among
// the project's dependencies, and the output is write-only).
#include "sepsim/output/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <variant>

namespace sepsim {

namespace {

struct Json {
  // Members in insertion order (two vectors: a pair<string, Json> of the
  // incomplete Json is not allowed).
  struct Object {
    std::vector<std::string> keys;
    std::vector<Json> values;
  };
  using Array = std::vector<Json>;
  std::variant<std::string, Object, Array> v; // string holds a literal (number, "text", null)

  Json& member(const std::string& key) {
    if (!std::holds_alternative<Object>(v)) v = Object{};
    auto& obj = std::get<Object>(v);
    for (std::size_t i = 0; i < obj.keys.size(); ++i)
      if (obj.keys[i] == key) return obj.values[i];
    obj.keys.push_back(key);
    obj.values.emplace_back();
    return obj.values.back();
  }
  // Sets a nested member by a '/'-separated path.
  Json& at(const std::string& path) {
    Json* node = this;
    std::size_t start = 0;
    while (true) {
      const auto slash = path.find('/', start);
      node = &node->member(path.substr(start, slash == std::string::npos ? slash : slash - start));
      if (slash == std::string::npos) return *node;
      start = slash + 1;
    }
  }
  void write(std::ostream& out, int indent) const;
};

std::string number(double x) {
  if (!std::isfinite(x)) return "null";
  // Shortest text that reads back to the same double.
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, x);
  return std::string(text, result.ptr);
}

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

Json literal(std::string s) {
  return Json{std::move(s)};
}
Json num(double x) {
  return literal(number(x));
}
Json text(const std::string& s) {
  return literal(quoted(s));
}
Json numbers(const std::vector<double>& xs) {
  Json::Array a;
  for (double x : xs)
    a.push_back(num(x));
  return Json{std::move(a)};
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

void put(Json& node, const std::string& path, const Estimate& e) {
  node.at(path) = num(e.value);
  node.at(path + "_mcse") = num(e.mcse);
}

} // namespace

std::string to_json(const RunSummary& summary) {
  const Provenance& p = summary.provenance;
  Json doc;
  doc.at("sepsim_version") = text(p.sepsim_version);
  doc.at("git_commit") = text(p.git_commit);
  doc.at("seed") = num(static_cast<double>(p.seed));
  doc.at("replicates") = num(static_cast<double>(p.replicates));
  doc.at("scenario") = text(p.scenario_name);
  doc.at("null_hypothesis") = literal(p.null_hypothesis ? "true" : "false");
  Json::Array points;
  for (PointSummary point : summary.points) {
    Json pj;
    pj.at("params") = Json{Json::Object{}};
    for (const auto& [key, value] : point.params)
      pj.at("params").member(key) = num(value);
    Json::Array designs;
    for (DesignSummary& d : point.designs) {
      Json dj;
      dj.at("name") = text(d.name);
      dj.at("treatment_arm") = text(d.treatment_arm);
      dj.at("control_arm") = text(d.control_arm);
      dj.at("test") = text(d.test);
      dj.at("multiplicity") = text(d.multiplicity);
      dj.at("alpha") = num(d.alpha);
      dj.at("sided") = num(d.sided);
      dj.at("sample_size") = num(d.sample_size);
      for_each_estimate(d, [&](const std::string& path, const Estimate& e) { put(dj, path, e); });
      dj.at("reject_per_look") = numbers(d.reject_per_look);
      dj.at("futility_per_look") = numbers(d.futility_per_look);
      if (!d.look_patients.empty()) {
        dj.at("looks/patients") = numbers(d.look_patients);
        dj.at("looks/efficacy_z") = numbers(d.efficacy_z);
        dj.at("looks/futility_z") = numbers(d.futility_z);
      }
      Json::Array hypotheses;
      for (HypothesisSummary& h : d.hypotheses) {
        Json hj;
        hj.at("name") = text(h.name);
        hj.at("treatment_arm") = text(h.treatment_arm);
        hj.at("control_arm") = text(h.control_arm);
        hj.at("labels") = text(h.labels);
        for_each_estimate(h, [&](const std::string& path, const Estimate& e) { put(hj, path, e); });
        hypotheses.push_back(std::move(hj));
      }
      dj.at("hypotheses") = Json{std::move(hypotheses)};
      Json::Array arms;
      for (ArmSummary& a : d.arms) {
        Json aj;
        aj.at("name") = text(a.name);
        aj.at("policy") = text(a.policy);
        for_each_estimate(a, [&](const std::string& path, const Estimate& e) { put(aj, path, e); });
        arms.push_back(std::move(aj));
      }
      dj.at("arms") = Json{std::move(arms)};
      designs.push_back(std::move(dj));
    }
    pj.at("designs") = Json{std::move(designs)};
    Json::Array comparisons;
    for (const DesignComparison& c : point.comparisons) {
      Json cj;
      cj.at("design_a") = text(c.design_a);
      cj.at("design_b") = text(c.design_b);
      put(cj, "power_difference", c.power_difference);
      comparisons.push_back(std::move(cj));
    }
    pj.at("comparisons") = Json{std::move(comparisons)};
    points.push_back(std::move(pj));
  }
  doc.at("points") = Json{std::move(points)};
  std::ostringstream out;
  doc.write(out, 0);
  out << "\n";
  return out.str();
}

} // namespace sepsim
