#include "tools/lithium/args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace lithium::cli {
namespace {

std::vector<std::string> SplitNames(const std::string& names) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= names.size()) {
    size_t comma = names.find(',', start);
    if (comma == std::string::npos) comma = names.size();
    out.push_back(names.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

void Args::Flag(bool* out, const std::string& names, const std::string& help) {
  specs_.push_back({SplitNames(names), Kind::kFlag, out, "", help});
}
void Args::String(std::string* out, const std::string& names, const std::string& meta, const std::string& help) {
  specs_.push_back({SplitNames(names), Kind::kString, out, meta, help});
}
void Args::Strings(std::vector<std::string>* out, const std::string& names, const std::string& meta,
                   const std::string& help) {
  specs_.push_back({SplitNames(names), Kind::kStrings, out, meta, help});
}
void Args::Int(int64_t* out, const std::string& names, const std::string& meta, const std::string& help) {
  specs_.push_back({SplitNames(names), Kind::kInt, out, meta, help});
}
void Args::Float(float* out, const std::string& names, const std::string& meta, const std::string& help) {
  specs_.push_back({SplitNames(names), Kind::kFloat, out, meta, help});
}

Args::Spec* Args::Find(const std::string& name) {
  for (auto& s : specs_) {
    for (auto& n : s.names) {
      if (n == name) return &s;
    }
  }
  return nullptr;
}

bool Args::WasSet(const std::string& long_name) const {
  for (const auto& s : specs_) {
    for (const auto& n : s.names) {
      if (n == long_name) return s.set;
    }
  }
  return false;
}

Status Args::Parse(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      help_ = true;
      return Status::Ok();
    }
    if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.'))) {
      std::string value;
      bool has_inline = false;
      size_t eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        has_inline = true;
      }
      Spec* s = Find(a);
      if (!s) return Status::Usage("lithium " + command_ + ": unknown option '" + a + "' (see --help)");
      s->set = true;
      if (s->kind == Kind::kFlag) {
        if (has_inline) return Status::Usage("lithium " + command_ + ": option '" + a + "' takes no value");
        *static_cast<bool*>(s->out) = true;
        continue;
      }
      if (!has_inline) {
        if (i + 1 >= argc) return Status::Usage("lithium " + command_ + ": option '" + a + "' needs a value " + s->meta);
        value = argv[++i];
      }
      switch (s->kind) {
        case Kind::kString: *static_cast<std::string*>(s->out) = value; break;
        case Kind::kStrings: static_cast<std::vector<std::string>*>(s->out)->push_back(value); break;
        case Kind::kInt: {
          errno = 0;
          char* end = nullptr;
          long long v = std::strtoll(value.c_str(), &end, 10);
          if (value.empty() || *end != '\0' || errno == ERANGE) {
            return Status::Usage("lithium " + command_ + ": option '" + a + "' expects an integer, got '" + value + "'");
          }
          *static_cast<int64_t*>(s->out) = v;
          break;
        }
        case Kind::kFloat: {
          errno = 0;
          char* end = nullptr;
          float v = std::strtof(value.c_str(), &end);
          if (value.empty() || *end != '\0' || errno == ERANGE || v != v) {
            return Status::Usage("lithium " + command_ + ": option '" + a + "' expects a number, got '" + value + "'");
          }
          *static_cast<float*>(s->out) = v;
          break;
        }
        case Kind::kFlag: break;
      }
      continue;
    }
    if (!positional_) return Status::Usage("lithium " + command_ + ": unexpected argument '" + a + "'");
    positional_->push_back(a);
  }
  return Status::Ok();
}

std::string Args::Help() const {
  std::string out = "usage: " + usage_ + "\n\noptions:\n";
  for (const auto& s : specs_) {
    std::string left = "  ";
    for (size_t i = 0; i < s.names.size(); ++i) left += (i ? ", " : "") + s.names[i];
    if (!s.meta.empty()) left += " " + s.meta;
    if (left.size() < 28) left.resize(28, ' ');
    else left += "\n" + std::string(28, ' ');
    out += left + s.help + "\n";
  }
  out += "  -h, --help                show this help\n";
  return out;
}

}  // namespace lithium::cli
