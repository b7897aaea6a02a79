#include "store/run_query.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "common/parse_number.h"
#include "common/strings.h"

namespace derm::store {
namespace {

struct Token {
  enum Kind { kWord, kString, kNumber, kOp, kLParen, kRParen, kComma, kEnd } kind;
  std::string text;
  double number = 0;
  size_t pos = 0;
};

StatusOr<std::vector<Token>> Lex(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0;
  auto error = [&](const std::string& what) {
    return InvalidArgument("filter: " + what + " at position " + std::to_string(i + 1));
  };
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    t.pos = i;
    if (c == '(' || c == ')' || c == ',') {
      t.kind = c == '(' ? Token::kLParen : c == ')' ? Token::kRParen : Token::kComma;
      t.text = std::string(1, c);
      ++i;
    } else if (c == '\'' || c == '"') {
      const size_t end = s.find(c, i + 1);
      if (end == std::string::npos) return error("unterminated string");
      t.kind = Token::kString;
      t.text = s.substr(i + 1, end - i - 1);
      i = end + 1;
    } else if (c == '=' || c == '!' || c == '<' || c == '>' || c == '~') {
      t.kind = Token::kOp;
      t.text = std::string(1, c);
      if (i + 1 < s.size() && s[i + 1] == '=') t.text += '=';
      if (t.text == "!") return error("'!' must be '!='");
      i += t.text.size();
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.') {
      const auto [number, length] = ParseDoublePrefix(std::string_view(s).substr(i));
      if (length == 0) return error("bad number");
      t.number = number;
      t.kind = Token::kNumber;
      t.text = s.substr(i, length);
      i += length;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '.' || s[j] == '-'))
        ++j;
      t.kind = Token::kWord;
      t.text = s.substr(i, j - i);
      i = j;
    } else {
      return error(std::string("unexpected character '") + c + "'");
    }
    out.push_back(std::move(t));
  }
  out.push_back(Token{Token::kEnd, "", 0, s.size()});
  return out;
}

class Compiler {
 public:
  static constexpr int kMaxDepth = 32;

  Compiler(std::vector<Token> tokens, CompiledRunQuery* out) : t_(std::move(tokens)), out_(out) {}

  StatusOr<std::string> Or() {
    DERM_ASSIGN_OR_RETURN(std::string sql, And());
    while (Keyword("OR")) {
      DERM_ASSIGN_OR_RETURN(std::string rhs, And());
      sql = "(" + sql + " OR " + rhs + ")";
    }
    return sql;
  }
  bool AtEnd() const { return t_[i_].kind == Token::kEnd; }
  Status Error(const std::string& what) const {
    return InvalidArgument("filter: " + what + " at position " + std::to_string(t_[i_].pos + 1));
  }

  // A field as SQL: a summary column, or a params lookup (cast to REAL when `numeric`).
  StatusOr<std::string> Field(const std::string& name, bool numeric) {
    const auto& cols = RunSummaryColumns();
    if (std::find(cols.begin(), cols.end(), name) != cols.end()) return "rs." + name;
    std::string param;
    if (name.rfind("params.", 0) == 0) param = name.substr(7);
    if (name.rfind("tags.", 0) == 0) param = name;
    if (param.empty()) {
      std::string known;
      for (const auto& c : cols) known += (known.empty() ? "" : ", ") + c;
      return InvalidArgument("filter: unknown field '" + name +
                             "' (use params.<path>, tags.<key> or one of: " + known + ")");
    }
    out_->binds.push_back(QueryValue::Text(param));
    const std::string lookup = "(SELECT value FROM params p WHERE p.run_id = rs.run_id AND p.name = ?)";
    return numeric ? "CAST(" + lookup + " AS REAL)" : lookup;
  }

 private:
  bool Keyword(const char* k) {
    if (t_[i_].kind == Token::kWord && AsciiUpper(t_[i_].text) == k) {
      ++i_;
      return true;
    }
    return false;
  }

  StatusOr<std::string> And() {
    DERM_ASSIGN_OR_RETURN(std::string sql, Unary());
    while (Keyword("AND")) {
      DERM_ASSIGN_OR_RETURN(std::string rhs, Unary());
      sql = "(" + sql + " AND " + rhs + ")";
    }
    return sql;
  }

  StatusOr<std::string> Unary() {
    // Parentheses and NOTs recurse: bounded, so that no filter can exhaust the stack (fuzzing
    // found 2,500 '(' overflowing it).
    struct Depth {
      int* d;
      ~Depth() { --*d; }
    } depth{&depth_};
    if (++depth_ > kMaxDepth)
      return Error("parentheses and NOTs nest deeper than " + std::to_string(kMaxDepth));
    if (Keyword("NOT")) {
      DERM_ASSIGN_OR_RETURN(std::string inner, Unary());
      return "(NOT " + inner + ")";
    }
    if (t_[i_].kind == Token::kLParen) {
      ++i_;
      DERM_ASSIGN_OR_RETURN(std::string inner, Or());
      if (t_[i_].kind != Token::kRParen) return Error("expected ')'");
      ++i_;
      return inner;
    }
    return Comparison();
  }

  StatusOr<std::string> Comparison() {
    if (t_[i_].kind != Token::kWord) return Error("expected a field name");
    const std::string field = t_[i_++].text;
    if (t_[i_].kind != Token::kOp)
      return Error("expected an operator (= != < <= > >= ~) after '" + field + "'");
    const std::string op = t_[i_++].text;
    const Token& v = t_[i_];
    if (v.kind != Token::kNumber && v.kind != Token::kString && v.kind != Token::kWord) {
      return Error("expected a value after '" + field + " " + op + "'");
    }
    ++i_;
    const bool numeric = v.kind == Token::kNumber;
    if (op == "~") {
      DERM_ASSIGN_OR_RETURN(std::string lhs, Field(field, false));
      out_->binds.push_back(QueryValue::Text(v.text));
      return "(instr(" + lhs + ", ?) > 0)";
    }
    DERM_ASSIGN_OR_RETURN(std::string lhs, Field(field, numeric));
    if (numeric) {
      out_->binds.push_back(QueryValue::Number(v.number));
    } else {
      out_->binds.push_back(
          QueryValue::Text(field == "state" ? AsciiUpper(v.text) : v.text));  // states are upper-case
    }
    return "(" + lhs + " " + (op == "=" ? "=" : op) + " ?)";
  }

  std::vector<Token> t_;
  int depth_ = 0;
  size_t i_ = 0;
  CompiledRunQuery* out_;
};

}  // namespace

const std::vector<std::string>& RunSummaryColumns() {
  static const std::vector<std::string> cols = {"run_id",
                                                "job_id",
                                                "sweep_id",
                                                "name",
                                                "state",
                                                "learning_rate",
                                                "batch_size",
                                                "epochs",
                                                "dropout",
                                                "epochs_done",
                                                "final_val_accuracy",
                                                "final_val_loss",
                                                "best_val_accuracy",
                                                "best_epoch",
                                                "test_accuracy",
                                                "dataset_fingerprint",
                                                "weights",
                                                "duration_s",
                                                "submitted_by"};
  return cols;
}

StatusOr<CompiledRunQuery> CompileRunQuery(const std::string& filter, const std::string& order_by) {
  CompiledRunQuery out;
  if (filter.size() > 4096 || order_by.size() > 1024)
    return InvalidArgument("filter or order_by is too long");
  if (!filter.empty()) {
    DERM_ASSIGN_OR_RETURN(auto tokens, Lex(filter));
    Compiler c(std::move(tokens), &out);
    DERM_ASSIGN_OR_RETURN(std::string where, c.Or());
    if (!c.AtEnd()) return c.Error("unexpected text (missing AND/OR?)");
    out.where = "WHERE " + where;
  }
  // order_by: field [asc|desc], ...; params ordering binds after the filter's values.
  std::string order;
  DERM_ASSIGN_OR_RETURN(auto tokens, Lex(order_by));
  Compiler fields({Token{Token::kEnd, "", 0, 0}}, &out);
  for (size_t i = 0; tokens[i].kind != Token::kEnd;) {
    if (tokens[i].kind != Token::kWord)
      return InvalidArgument("order_by: expected a field at position " + std::to_string(tokens[i].pos + 1));
    DERM_ASSIGN_OR_RETURN(std::string col, fields.Field(tokens[i].text, true));
    ++i;
    std::string dir = "ASC";
    if (tokens[i].kind == Token::kWord &&
        (AsciiUpper(tokens[i].text) == "ASC" || AsciiUpper(tokens[i].text) == "DESC")) {
      dir = AsciiUpper(tokens[i].text);
      ++i;
    }
    order += col + " " + dir + ", ";
    if (tokens[i].kind == Token::kComma) ++i;
  }
  out.order_by = "ORDER BY " + order + "rs.run_id DESC";
  return out;
}

}  // namespace derm::store
