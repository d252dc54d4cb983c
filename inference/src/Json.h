#pragma once
// The JSON the inference engine reads and writes (safetensors headers, model configs, the
// trainer's checkpoint state), in plain C++. Written as Qt's QJsonDocument writes it, so that
// files stay byte for byte what they were: object keys sorted, compact or indented by four
// spaces, whole numbers without a fraction, other numbers in their shortest round-trip form.
// The reader takes untrusted bytes (a stranger's model file): strict UTF-8, nesting capped.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace continuo::inference::json {

class Value {
public:
    enum class Type { Null, Bool, Number, String, Array, Object };
    using Member = std::pair<std::string, Value>;

    Value() = default;
    Value(bool b) : type_(Type::Bool), boolean_(b) {}
    Value(int n) : Value(std::int64_t(n)) {}
    Value(std::int64_t n) : type_(Type::Number), number_(double(n)), integer_(n), isInteger_(true) {}
    Value(double d);
    Value(const char* s) : type_(Type::String), string_(s) {}
    Value(std::string s) : type_(Type::String), string_(std::move(s)) {}
    static Value array() { return Value(Type::Array); }
    static Value object() { return Value(Type::Object); }

    Type type() const { return type_; }
    bool isNull() const { return type_ == Type::Null; }
    bool isNumber() const { return type_ == Type::Number; }
    bool isString() const { return type_ == Type::String; }
    bool isArray() const { return type_ == Type::Array; }
    bool isObject() const { return type_ == Type::Object; }

    /// As QJsonValue: a number that is a whole number in range, else `fallback`.
    int toInt(int fallback = 0) const;
    std::int64_t toInt64(std::int64_t fallback = 0) const;
    /// Any number (a whole number above 2^53 rounded), else `fallback`.
    double toDouble(double fallback = 0) const;
    /// The string, or an empty one for any other value.
    const std::string& toString() const;
    /// The elements of an array (none for any other value).
    const std::vector<Value>& elements() const { return array_; }
    /// The members of an object, sorted by key (none for any other value).
    const std::vector<Member>& members() const { return object_; }

    /// An object's member, or null when absent (or when this is no object).
    const Value& operator[](std::string_view key) const;
    bool contains(std::string_view key) const;
    /// Sets an object's member (replacing one of the same key), keeping the keys sorted.
    Value& set(std::string key, Value value);
    /// Appends to an array.
    Value& append(Value value);

private:
    explicit Value(Type t) : type_(t) {}
    friend class Writer;
    friend class Parser;

    Type type_ = Type::Null;
    bool boolean_ = false;
    double number_ = 0;
    std::int64_t integer_ = 0;
    bool isInteger_ = false; ///< written as an integer
    std::string string_;
    std::vector<Value> array_;
    std::vector<Member> object_; ///< sorted by key, keys unique
};

/// The text of `value`: compact (no space at all) or indented, as QJsonDocument::toJson.
std::string write(const Value& value, bool indented = false);

struct ParseResult {
    Value value;
    bool ok = false;
    std::size_t errorOffset = 0; ///< byte at which reading failed
    std::string error;
};

/// Reads a JSON document whose top level is an object or an array (what QJsonDocument reads);
/// whitespace may follow it, nothing else. Duplicate keys: the last one counts.
ParseResult parse(std::string_view text);

} // namespace continuo::inference::json
