// Decoder: turns the raw text of a log event into typed ECS fields (DESIGN.md "Event").
//
// Contract: decode() looks only at event.raw (and may read fields an earlier decoder added,
// e.g. a syslog header decoder runs before the program's decoder). It adds fields and may set
// event.time_ns when the line carries a time. It returns false, leaving the event unchanged,
// when the line is not in its format. Decoders are immutable after construction and safe to
// share between threads; they never throw and never crash on any input (they are parsers of
// untrusted bytes and have fuzz targets).
#pragma once

#include <string_view>

#include "common/event.h"

namespace soc::agent {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::string_view name() const = 0;
  virtual bool decode(Event& event) const = 0;
};

}  // namespace soc::agent
