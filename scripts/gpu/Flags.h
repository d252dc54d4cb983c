#pragma once
// "--name value" and "--switch" flags in plain C++, for the Qt-free programs of scripts/gpu.
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace continuo::gpu {

class Flags {
public:
    /// `switches` take no value; every other flag takes one. Throws std::invalid_argument on a
    /// flag it does not know, or one without its value.
    Flags(int argc, char** argv, int first, const std::set<std::string>& known,
          const std::set<std::string>& switches = {}) {
        for (int i = first; i < argc; ++i) {
            std::string a = argv[i];
            if (a.rfind("--", 0) != 0) {
                positional_.push_back(a);
                continue;
            }
            a = a.substr(2);
            if (switches.count(a)) {
                values_[a] = "1";
            } else if (!known.count(a)) {
                throw std::invalid_argument("unknown flag --" + a);
            } else if (i + 1 >= argc) {
                throw std::invalid_argument("--" + a + " needs a value");
            } else {
                values_[a] = argv[++i];
            }
        }
    }

    bool has(const std::string& name) const { return values_.count(name) > 0; }
    std::string text(const std::string& name, const std::string& fallback = {}) const {
        auto it = values_.find(name);
        return it == values_.end() ? fallback : it->second;
    }
    double number(const std::string& name, double fallback) const {
        if (!has(name)) return fallback;
        const std::string v = text(name);
        char* end = nullptr;
        const double d = std::strtod(v.c_str(), &end);
        if (v.empty() || *end) throw std::invalid_argument("--" + name + " takes a number, not '" + v + "'");
        return d;
    }
    int integer(const std::string& name, int fallback) const {
        const double d = number(name, fallback);
        if (d != double(int(d))) throw std::invalid_argument("--" + name + " takes a whole number");
        return int(d);
    }
    const std::vector<std::string>& positional() const { return positional_; }

private:
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
};

} // namespace continuo::gpu
