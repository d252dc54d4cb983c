#include "Json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace continuo::inference::json {

namespace {
const Value kNull;
const std::string kEmpty;
/// Deeper documents are refused: the reader recurses once per level.
constexpr int kMaxDepth = 1024; // arrays and objects inside each other, as Qt's reader

bool wholeIn(double d, double lo, double hi) { return d >= lo && d <= hi && d == std::floor(d); }
} // namespace

Value::Value(double d) : type_(Type::Number), number_(d) {}

int Value::toInt(int fallback) const {
    if (type_ != Type::Number) return fallback;
    if (isInteger_)
        return integer_ >= std::numeric_limits<int>::min() && integer_ <= std::numeric_limits<int>::max()
                   ? int(integer_)
                   : fallback;
    return wholeIn(number_, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()) ? int(number_)
                                                                                              : fallback;
}

std::int64_t Value::toInt64(std::int64_t fallback) const {
    if (type_ != Type::Number) return fallback;
    if (isInteger_) return integer_;
    // 2^63 is a double; the largest int64 is not: the upper bound is exclusive.
    return number_ >= -9223372036854775808.0 && number_ < 9223372036854775808.0 && number_ == std::floor(number_)
               ? std::int64_t(number_)
               : fallback;
}

double Value::toDouble(double fallback) const { return type_ == Type::Number ? number_ : fallback; }

const std::string& Value::toString() const { return type_ == Type::String ? string_ : kEmpty; }

const Value& Value::operator[](std::string_view key) const {
    auto it = std::lower_bound(object_.begin(), object_.end(), key,
                               [](const Member& m, std::string_view k) { return m.first < k; });
    return it != object_.end() && it->first == key ? it->second : kNull;
}

bool Value::contains(std::string_view key) const { return &(*this)[key] != &kNull; }

Value& Value::set(std::string key, Value value) {
    auto it = std::lower_bound(object_.begin(), object_.end(), key,
                               [](const Member& m, const std::string& k) { return m.first < k; });
    if (it != object_.end() && it->first == key) it->second = std::move(value);
    else object_.emplace(it, std::move(key), std::move(value));
    return *this;
}

Value& Value::append(Value value) {
    array_.push_back(std::move(value));
    return *this;
}

// ---- writing --------------------------------------------------------------------------------

class Writer {
public:
    explicit Writer(bool indented) : indented_(indented) {}
    std::string out;

    void value(const Value& v, int depth) {
        switch (v.type_) {
        case Value::Type::Null: out += "null"; break;
        case Value::Type::Bool: out += v.boolean_ ? "true" : "false"; break;
        case Value::Type::Number: number(v); break;
        case Value::Type::String: string(v.string_); break;
        case Value::Type::Array: array(v, depth); break;
        case Value::Type::Object: object(v, depth); break;
        }
    }

private:
    bool indented_;

    void newline(int depth) {
        if (!indented_) return;
        out += '\n';
        out.append(std::size_t(4 * depth), ' ');
    }
    void number(const Value& v) {
        char buf[40];
        if (v.isInteger_) {
            out.append(buf, std::to_chars(buf, buf + sizeof buf, v.integer_).ptr);
        } else if (!std::isfinite(v.number_)) {
            out += "null"; // JSON has no infinity or NaN
        } else if (std::abs(v.number_) <= 9007199254740992.0 && v.number_ == std::floor(v.number_)) {
            // Whole numbers that a double holds exactly are written as integers (-0 as 0).
            out.append(buf, std::to_chars(buf, buf + sizeof buf, std::int64_t(v.number_)).ptr);
        } else {
            shortest(v.number_);
        }
    }
    /// The shortest digits that read back exactly, in decimal form unless the exponent form
    /// ("1e-05", at least two exponent digits) is shorter: QByteArray::number(d, 'g',
    /// QLocale::FloatingPointShortest), which Qt's writer uses.
    void shortest(double d) {
        char buf[40];
        const char* end = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific).ptr;
        std::string_view sci(buf, std::size_t(end - buf));
        const bool negative = sci.front() == '-';
        if (negative) sci.remove_prefix(1);
        const std::size_t e = sci.find('e');
        std::string digits(sci.substr(0, e));
        if (digits.size() > 1) digits.erase(1, 1); // the point
        const int exponent = std::stoi(std::string(sci.substr(e + 1)));
        const int n = int(digits.size()), point = exponent + 1;
        std::string decimal;
        if (point <= 0) decimal = "0." + std::string(std::size_t(-point), '0') + digits;
        else if (point >= n) decimal = digits + std::string(std::size_t(point - n), '0');
        else decimal = digits.substr(0, std::size_t(point)) + "." + digits.substr(std::size_t(point));
        std::string scientific = digits.substr(0, 1) + (n > 1 ? "." + digits.substr(1) : "") + "e" +
                                 (exponent < 0 ? "-" : "+") + (std::abs(exponent) < 10 ? "0" : "") +
                                 std::to_string(std::abs(exponent));
        if (negative) out += '-';
        out += scientific.size() < decimal.size() ? scientific : decimal;
    }
    void string(const std::string& s) {
        static const char* hex = "0123456789abcdef";
        out += '"';
        for (unsigned char c : s) {
            switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += char(c);
                }
            }
        }
        out += '"';
    }
    void array(const Value& v, int depth) {
        out += '[';
        for (std::size_t i = 0; i < v.array_.size(); ++i) {
            if (i) out += ',';
            newline(depth + 1);
            value(v.array_[i], depth + 1);
        }
        newline(depth); // indented, Qt closes even an empty array on a line of its own
        out += ']';
    }
    void object(const Value& v, int depth) {
        out += '{';
        for (std::size_t i = 0; i < v.object_.size(); ++i) {
            if (i) out += ',';
            newline(depth + 1);
            string(v.object_[i].first);
            out += indented_ ? ": " : ":";
            value(v.object_[i].second, depth + 1);
        }
        newline(depth);
        out += '}';
    }
};

std::string write(const Value& value, bool indented) {
    Writer w(indented);
    w.value(value, 0);
    if (indented) w.out += '\n';
    return std::move(w.out);
}

// ---- reading --------------------------------------------------------------------------------

class Parser {
public:
    explicit Parser(std::string_view text) : s_(text) {}

    ParseResult document() {
        ParseResult r;
        if (s_.substr(0, 3) == "\xEF\xBB\xBF") at_ = 3; // a byte order mark, which Qt skips
        skipSpace();
        if (at_ >= s_.size() || (s_[at_] != '{' && s_[at_] != '['))
            return fail("expected an object or an array");
        if (!value(r.value, 0)) return fail(error_);
        skipSpace();
        if (at_ != s_.size()) return fail("garbage at the end of the document");
        r.ok = true;
        return r;
    }

private:
    std::string_view s_;
    std::size_t at_ = 0;
    std::string error_;

    ParseResult fail(std::string why) {
        ParseResult r;
        r.errorOffset = at_;
        r.error = std::move(why);
        return r;
    }
    bool bad(const char* why) {
        error_ = why;
        return false;
    }
    void skipSpace() {
        while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n' || s_[at_] == '\r')) ++at_;
    }
    bool literal(std::string_view word) {
        if (s_.substr(at_, word.size()) != word) return bad("illegal value");
        at_ += word.size();
        return true;
    }

    /// `depth`: the arrays and objects around this value.
    bool value(Value& v, int depth) {
        skipSpace();
        if (at_ >= s_.size()) return bad("unexpected end of the document");
        const bool container = s_[at_] == '{' || s_[at_] == '[';
        if (container && depth >= kMaxDepth) return bad("too deeply nested");
        switch (s_[at_]) {
        case '{': return object(v, depth);
        case '[': return array(v, depth);
        case '"': v = Value(Value::Type::String); return string(v.string_);
        case 't': v = Value(true); return literal("true");
        case 'f': v = Value(false); return literal("false");
        case 'n': v = Value(); return literal("null");
        default: return number(v);
        }
    }

    bool array(Value& v, int depth) {
        v = Value::array();
        ++at_; // '['
        skipSpace();
        if (at_ < s_.size() && s_[at_] == ']') return ++at_, true;
        for (;;) {
            Value element;
            if (!value(element, depth + 1)) return false;
            v.array_.push_back(std::move(element));
            skipSpace();
            if (at_ >= s_.size()) return bad("unterminated array");
            if (s_[at_] == ']') return ++at_, true;
            if (s_[at_] != ',') return bad("missing value separator");
            ++at_;
        }
    }

    bool object(Value& v, int depth) {
        v = Value::object();
        ++at_; // '{'
        skipSpace();
        if (at_ < s_.size() && s_[at_] == '}') return ++at_, true;
        for (;;) {
            skipSpace();
            if (at_ >= s_.size() || s_[at_] != '"') return bad("expected a key");
            std::string key;
            if (!string(key)) return false;
            skipSpace();
            if (at_ >= s_.size() || s_[at_] != ':') return bad("missing name separator");
            ++at_;
            Value member;
            if (!value(member, depth + 1)) return false;
            v.set(std::move(key), std::move(member));
            skipSpace();
            if (at_ >= s_.size()) return bad("unterminated object");
            if (s_[at_] == '}') return ++at_, true;
            if (s_[at_] != ',') return bad("missing value separator");
            ++at_;
        }
    }

    bool number(Value& v);
    bool string(std::string& out);
    bool escape(std::string& out);
    bool utf8Sequence(std::string& out);
};

// Qt's grammar, which is looser than JSON's: "-.5", ".5" and "1." are numbers; "01" is not.
// A whole number without exponent that fits 64 bits is an integer, any other a double.
bool Parser::number(Value& v) {
    const std::size_t start = at_;
    bool integral = true;
    auto digits = [&](bool keepsIntegral) {
        for (; at_ < s_.size() && s_[at_] >= '0' && s_[at_] <= '9'; ++at_)
            if (!keepsIntegral) integral = integral && s_[at_] == '0';
    };
    if (at_ < s_.size() && s_[at_] == '-') ++at_;
    if (at_ < s_.size() && s_[at_] == '0') ++at_;
    else digits(true);
    if (at_ < s_.size() && s_[at_] == '.') {
        ++at_;
        digits(false); // "1.0" stays whole
    }
    if (at_ < s_.size() && (s_[at_] == 'e' || s_[at_] == 'E')) {
        ++at_;
        integral = false;
        if (at_ < s_.size() && (s_[at_] == '+' || s_[at_] == '-')) ++at_;
        digits(true);
    }
    std::string text(s_.substr(start, at_ - start));
    std::int64_t n = 0;
    if (integral && std::from_chars(text.data(), text.data() + text.size(), n).ec == std::errc() &&
        text.find('.') == std::string::npos) {
        v = Value(n);
        return true;
    }
    // from_chars reads neither "-.5" nor ".5"; a zero before the point changes nothing.
    const bool negative = !text.empty() && text[0] == '-';
    if (negative) text.erase(0, 1);
    const bool hasDigit = text.find_first_of("0123456789") < text.find_first_of("eE");
    if (!text.empty() && text[0] == '.') text.insert(0, 1, '0');
    double d = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
    if (!hasDigit || r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(d))
        return bad("illegal number");
    v = Value(negative ? -d : d);
    return true;
}

bool Parser::string(std::string& out) {
    ++at_; // opening quote
    for (;;) {
        if (at_ >= s_.size()) return bad("unterminated string");
        const unsigned char c = static_cast<unsigned char>(s_[at_]);
        if (c == '"') return ++at_, true;
        if (c == '\\') {
            if (!escape(out)) return false;
        } else if (c < 0x80) { // control characters too, as Qt reads them
            out += char(c);
            ++at_;
        } else if (!utf8Sequence(out)) {
            return false;
        }
    }
}

namespace {
void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
} // namespace

bool Parser::escape(std::string& out) {
    ++at_; // backslash
    if (at_ >= s_.size()) return bad("unterminated string");
    const char c = s_[at_++];
    switch (c) {
    case '"': out += '"'; return true;
    case '\\': out += '\\'; return true;
    case '/': out += '/'; return true;
    case 'b': out += '\b'; return true;
    case 'f': out += '\f'; return true;
    case 'n': out += '\n'; return true;
    case 'r': out += '\r'; return true;
    case 't': out += '\t'; return true;
    case 'u': break;
    default: // Qt reads an unknown escape as the character itself
        appendUtf8(out, static_cast<unsigned char>(c));
        return true;
    }
    auto unit = [&](std::uint32_t& u) {
        if (at_ + 4 > s_.size()) return false;
        u = 0;
        for (int i = 0; i < 4; ++i) {
            const int h = hexValue(s_[at_ + std::size_t(i)]);
            if (h < 0) return false;
            u = u * 16 + std::uint32_t(h);
        }
        at_ += 4;
        return true;
    };
    std::uint32_t cp = 0;
    if (!unit(cp)) return bad("illegal escape sequence");
    if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(at_, 2) == "\\u") {
        const std::size_t save = at_;
        at_ += 2;
        std::uint32_t low = 0;
        if (unit(low) && low >= 0xDC00 && low < 0xE000) {
            appendUtf8(out, 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00));
            return true;
        }
        at_ = save;
    }
    // A lone surrogate: Qt keeps it in its string, which becomes '?' in UTF-8.
    appendUtf8(out, cp >= 0xD800 && cp < 0xE000 ? '?' : cp);
    return true;
}

bool Parser::utf8Sequence(std::string& out) {
    const unsigned char lead = static_cast<unsigned char>(s_[at_]);
    const int length = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead <= 0xF4 ? 4 : 0;
    if (length == 0 || at_ + std::size_t(length) > s_.size())
        return bad("illegal UTF-8 string");
    std::uint32_t cp = lead & (0x7F >> length);
    for (int i = 1; i < length; ++i) {
        const unsigned char c = static_cast<unsigned char>(s_[at_ + std::size_t(i)]);
        if ((c & 0xC0) != 0x80) return bad("illegal UTF-8 string");
        cp = (cp << 6) | (c & 0x3F);
    }
    const std::uint32_t lowest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (cp < lowest || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return bad("illegal UTF-8 string");
    out.append(s_.data() + at_, std::size_t(length));
    at_ += std::size_t(length);
    return true;
}

ParseResult parse(std::string_view text) { return Parser(text).document(); }

} // namespace continuo::inference::json
