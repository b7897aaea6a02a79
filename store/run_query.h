// RunQuery: the filter and ordering language of ListRuns, compiled to SQL over the run_summary
// view with every value bound as a parameter (never spliced into the SQL text).
//
//   filter   := or
//   or       := and ("OR" and)*
//   and      := unary ("AND" unary)*
//   unary    := "NOT" unary | "(" or ")" | field op value
//   field    := a run_summary column (state, name, best_val_accuracy, epochs_done, ...)
//             | params.<spec path> (e.g. params.train.learning_rate) | tags.<key>
//   op       := = | != | < | <= | > | >= | ~   (~ is "contains")
//   value    := number | 'text' | "text" | bare-word
//
//   order_by := field [asc|desc] ("," field [asc|desc])*
//
// Keywords are case-insensitive. Numbers compare numerically (params are stored as text and cast).
#pragma once

#include <string>
#include <vector>

#include "common/status_or.h"

namespace derm::store {

// A value bound to a '?' of the compiled SQL.
struct QueryValue {
  bool is_number = false;
  double number = 0;
  std::string text;
  static QueryValue Number(double v) { return {true, v, ""}; }
  static QueryValue Text(std::string v) { return {false, 0, std::move(v)}; }
};

struct CompiledRunQuery {
  std::string where;     // "" or "WHERE ..."
  std::string order_by;  // "ORDER BY ..." (always ends with run_id for a stable order)
  std::vector<QueryValue> binds;
};

// INVALID_ARGUMENT naming the position and the problem (unknown field, bad operator, ...).
StatusOr<CompiledRunQuery> CompileRunQuery(const std::string& filter, const std::string& order_by);

// The run_summary columns a filter or ordering may name.
const std::vector<std::string>& RunSummaryColumns();

}  // namespace derm::store
