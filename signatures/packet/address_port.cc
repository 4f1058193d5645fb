#include "signatures/packet/address_port.h"

#include <algorithm>
#include <charconv>
#include <iterator>

#include "common/event.h"

namespace soc::packet {
namespace {

constexpr int kMaxDepth = 16;             // nesting of lists, negations and variables
constexpr std::size_t kMaxNodes = 10000;  // after variable expansion

bool is_space(char c) { return c == ' ' || c == '\t'; }

// Shared walk over the header syntax; Leaf parses one value into a node.
template <typename NodeT, typename Leaf>
class Walker {
 public:
  Walker(std::vector<NodeT>& nodes, const Variables& vars, Leaf leaf)
      : nodes_(nodes), vars_(vars), leaf_(leaf) {}

  Result<std::uint32_t> parse_all(std::string_view text, int depth) {
    std::size_t pos = 0;
    auto r = parse(text, pos, depth);
    if (!r) return r;
    skip(text, pos);
    if (pos != text.size()) {
      return fail(ErrorCode::kInvalidArgument, "unexpected '" + std::string(text.substr(pos)) +
                                                   "' in '" + std::string(text) + "'");
    }
    return r;
  }

 private:
  static void skip(std::string_view t, std::size_t& pos) {
    while (pos < t.size() && is_space(t[pos])) ++pos;
  }
  Result<std::uint32_t> add(NodeT node) {
    if (nodes_.size() >= kMaxNodes) {
      return fail(ErrorCode::kInvalidArgument, "address or port group too large");
    }
    nodes_.push_back(std::move(node));
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }

  Result<std::uint32_t> parse(std::string_view t, std::size_t& pos, int depth) {
    if (depth > kMaxDepth) return fail(ErrorCode::kInvalidArgument, "nested too deeply");
    skip(t, pos);
    if (pos >= t.size()) return fail(ErrorCode::kInvalidArgument, "empty address or port");
    if (t[pos] == '!') {
      ++pos;
      auto inner = parse(t, pos, depth + 1);
      if (!inner) return inner;
      // Wrap so that a shared variable node is never flipped in place.
      NodeT wrap;
      wrap.kind = NodeT::kList;
      wrap.negated = true;
      wrap.children.push_back(*inner);
      return add(std::move(wrap));
    }
    if (t[pos] == '[') {
      ++pos;
      NodeT list;
      list.kind = NodeT::kList;
      while (true) {
        auto child = parse(t, pos, depth + 1);
        if (!child) return child;
        list.children.push_back(*child);
        skip(t, pos);
        if (pos < t.size() && t[pos] == ',') {
          ++pos;
          continue;
        }
        if (pos < t.size() && t[pos] == ']') {
          ++pos;
          break;
        }
        return fail(ErrorCode::kInvalidArgument, "unterminated list in '" + std::string(t) + "'");
      }
      return add(std::move(list));
    }
    std::size_t end = pos;
    while (end < t.size() && t[end] != ',' && t[end] != ']' && t[end] != '[' && !is_space(t[end])) {
      ++end;
    }
    const std::string_view word = t.substr(pos, end - pos);
    pos = end;
    if (word.empty())
      return fail(ErrorCode::kInvalidArgument, "empty value in '" + std::string(t) + "'");
    if (word[0] == '$') {
      const std::string* value = vars_.find(word.substr(1));
      if (value == nullptr) {
        return fail(ErrorCode::kInvalidArgument, "unknown variable " + std::string(word));
      }
      return parse_all(*value, depth + 1);
    }
    NodeT node;
    if (word == "any") {
      node.kind = NodeT::kAny;
    } else if (auto r = leaf_(word, node); !r) {
      return tl::unexpected(r.error());
    }
    return add(std::move(node));
  }

  std::vector<NodeT>& nodes_;
  const Variables& vars_;
  Leaf leaf_;
};

bool parse_uint(std::string_view s, unsigned max, unsigned& out) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && out <= max;
}

}  // namespace

// Parses `text` into nodes (nodes[0] is the root list); a lone un-negated `any` leaves just an
// `any` root. `leaf` fills the node of one address or port word.
template <typename Node, typename Leaf>
Result<void> parse_tree(std::vector<Node>& nodes, std::string_view text, const Variables& vars,
                        Leaf& leaf) {
  nodes.emplace_back();
  Walker<Node, Leaf> walker(nodes, vars, leaf);
  auto root = walker.parse_all(text, 0);
  if (!root) return tl::unexpected(root.error());
  nodes[0].kind = Node::kList;
  nodes[0].children = {*root};
  if (nodes[*root].kind == Node::kAny && !nodes[*root].negated) {
    nodes.resize(1);
    nodes[0] = Node{};
  }
  return ok();
}

class AddressParser {
 public:
  static Result<AddressSet> parse(std::string_view text, const Variables& vars) {
    AddressSet set;  // root placeholder
    auto leaf = [](std::string_view word, AddressSet::Node& node) -> Result<void> {
      std::string_view addr = word;
      unsigned prefix = 0;
      bool has_prefix = false;
      if (const auto slash = word.find('/'); slash != std::string_view::npos) {
        addr = word.substr(0, slash);
        has_prefix = true;
        if (!parse_uint(word.substr(slash + 1), 128, prefix)) {
          return fail(ErrorCode::kInvalidArgument, "bad address '" + std::string(word) + "'");
        }
      }
      auto ip = IpAddress::parse(addr);
      if (!ip || (ip->is_v4 && prefix > 32)) {
        return fail(ErrorCode::kInvalidArgument, "bad address '" + std::string(word) + "'");
      }
      node.kind = AddressSet::Node::kCidr;
      node.v4 = ip->is_v4;
      node.prefix = static_cast<std::uint8_t>(has_prefix ? prefix : (ip->is_v4 ? 32 : 128));
      node.net = ip->bytes;
      return ok();
    };
    if (auto tree = parse_tree(set.nodes_, text, vars, leaf); !tree) {
      return tl::unexpected(tree.error());
    }
    return set;
  }
};

class PortParser {
 public:
  static Result<PortSet> parse(std::string_view text, const Variables& vars) {
    PortSet set;
    auto leaf = [](std::string_view word, PortSet::Node& node) -> Result<void> {
      node.kind = PortSet::Node::kRange;
      unsigned lo = 0, hi = 65535;
      const auto colon = word.find(':');
      bool good;
      if (colon == std::string_view::npos) {
        good = parse_uint(word, 65535, lo);
        hi = lo;
      } else {
        const auto a = word.substr(0, colon), b = word.substr(colon + 1);
        good = (a.empty() || parse_uint(a, 65535, lo)) && (b.empty() || parse_uint(b, 65535, hi)) &&
               !(a.empty() && b.empty()) && lo <= hi;
      }
      if (!good) return fail(ErrorCode::kInvalidArgument, "bad port '" + std::string(word) + "'");
      node.lo = static_cast<std::uint16_t>(lo);
      node.hi = static_cast<std::uint16_t>(hi);
      return ok();
    };
    if (auto tree = parse_tree(set.nodes_, text, vars, leaf); !tree) {
      return tl::unexpected(tree.error());
    }
    set.ranges_ = set.ranges_of(0);
    return set;
  }
};

Result<AddressSet> AddressSet::parse(std::string_view text, const Variables& vars) {
  return AddressParser::parse(text, vars);
}

namespace {

// FNV-1a over the values that make a node, its children included.
class NodeHasher {
 public:
  template <typename T>
  void add(T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      hash_ = (hash_ ^ static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (8 * i))) *
              0x100000001b3ULL;
    }
  }
  std::size_t value() const { return static_cast<std::size_t>(hash_); }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// The hash of a node tree: each node's kind, negation and children, and what `leaf` adds of
// its own values.
template <typename NodeT, typename Leaf>
std::size_t hash_nodes(const std::vector<NodeT>& nodes, Leaf leaf) {
  NodeHasher h;
  for (const NodeT& n : nodes) {
    h.add(static_cast<std::uint8_t>(n.kind));
    h.add(n.negated);
    leaf(h, n);
    h.add(n.children.size());
    for (std::uint32_t c : n.children) h.add(c);
  }
  return h.value();
}

}  // namespace

std::size_t AddressSet::hash() const {
  return hash_nodes(nodes_, [](NodeHasher& h, const Node& n) {
    h.add(n.v4);
    h.add(n.prefix);
    for (std::uint8_t b : n.net) h.add(b);
  });
}

bool AddressSet::matches(const std::array<std::uint8_t, 16>& addr, bool v4) const {
  return nodes_.empty() || eval(0, addr, v4);
}

bool AddressSet::eval(std::uint32_t index, const std::array<std::uint8_t, 16>& addr,
                      bool v4) const {
  const Node& n = nodes_[index];
  bool result = false;
  switch (n.kind) {
    case Node::kAny:
      result = true;
      break;
    case Node::kCidr: {
      if (n.v4 != v4) break;
      const unsigned full = n.prefix / 8, rest = n.prefix % 8;
      result = true;
      for (unsigned i = 0; i < full && result; ++i) result = addr[i] == n.net[i];
      if (result && rest != 0) {
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
        result = (addr[full] & mask) == (n.net[full] & mask);
      }
      break;
    }
    case Node::kList: {
      bool any_plain = false, plain_hit = false, negated_hit = false;
      for (std::uint32_t c : n.children) {
        const Node& child = nodes_[c];
        if (child.negated) {
          // The child's own value, without its negation: the list subtracts it.
          bool inner = false;
          for (std::uint32_t g : child.children) inner = inner || eval(g, addr, v4);
          negated_hit = negated_hit || inner;
        } else {
          any_plain = true;
          plain_hit = plain_hit || eval(c, addr, v4);
        }
      }
      result = (!any_plain || plain_hit) && !negated_hit;
      break;
    }
  }
  return result;
}

Result<PortSet> PortSet::parse(std::string_view text, const Variables& vars) {
  return PortParser::parse(text, vars);
}

std::size_t PortSet::hash() const {
  return hash_nodes(nodes_, [](NodeHasher& h, const Node& n) {
    h.add(n.lo);
    h.add(n.hi);
  });
}

bool PortSet::matches(std::uint16_t port) const {
  // The last range starting at or before the port.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), port,
                             [](std::uint16_t p, const auto& range) { return p < range.first; });
  return it != ranges_.begin() && port <= std::prev(it)->second;
}

bool PortSet::enumerate(std::vector<std::uint16_t>& out, std::size_t max) const {
  if (nodes_.empty()) return false;
  std::vector<std::uint32_t> pending{0};
  while (!pending.empty()) {
    const Node& n = nodes_[pending.back()];
    pending.pop_back();
    if (n.negated || n.kind == Node::kAny) return false;
    if (n.kind == Node::kList) {
      pending.insert(pending.end(), n.children.begin(), n.children.end());
      continue;
    }
    if (static_cast<std::size_t>(n.hi - n.lo) + 1 + out.size() > max) return false;
    for (std::uint32_t port = n.lo; port <= n.hi; ++port) {
      out.push_back(static_cast<std::uint16_t>(port));
    }
  }
  return true;
}

namespace {

using PortRanges = std::vector<std::pair<std::uint16_t, std::uint16_t>>;

// Sorts and merges overlapping or adjacent ranges.
PortRanges normalized(PortRanges r) {
  std::sort(r.begin(), r.end());
  PortRanges out;
  for (const auto& [lo, hi] : r) {
    if (!out.empty() && static_cast<std::uint32_t>(lo) <= out.back().second + 1u) {
      out.back().second = std::max(out.back().second, hi);
    } else {
      out.emplace_back(lo, hi);
    }
  }
  return out;
}

// The ports of `a` (normalized) that are not in `b` (normalized).
PortRanges minus(const PortRanges& a, const PortRanges& b) {
  PortRanges out;
  std::size_t j = 0;
  for (auto [lo, hi] : a) {
    std::uint32_t from = lo;
    while (j < b.size() && b[j].second < from) ++j;
    for (std::size_t k = j; k < b.size() && b[k].first <= hi && from <= hi; ++k) {
      if (b[k].first > from) {
        out.emplace_back(static_cast<std::uint16_t>(from),
                         static_cast<std::uint16_t>(b[k].first - 1));
      }
      from = static_cast<std::uint32_t>(b[k].second) + 1;
    }
    if (from <= hi) out.emplace_back(static_cast<std::uint16_t>(from), hi);
  }
  return out;
}

}  // namespace

PortSet::Ranges PortSet::ranges_of(std::uint32_t index) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case Node::kAny:
      return {{0, 65535}};
    case Node::kRange:
      return {{n.lo, n.hi}};
    case Node::kList: {
      Ranges plain, negated;
      bool any_plain = false;
      for (std::uint32_t c : n.children) {
        const Node& child = nodes_[c];
        if (child.negated) {
          // The child's own value, without its negation: the list subtracts it.
          for (std::uint32_t g : child.children) {
            const Ranges inner = ranges_of(g);
            negated.insert(negated.end(), inner.begin(), inner.end());
          }
        } else {
          any_plain = true;
          const Ranges inner = ranges_of(c);
          plain.insert(plain.end(), inner.begin(), inner.end());
        }
      }
      if (!any_plain) plain = {{0, 65535}};
      return minus(normalized(std::move(plain)), normalized(std::move(negated)));
    }
  }
  return {};
}

}  // namespace soc::packet
