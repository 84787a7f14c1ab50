#include "src/grammar/json_position.h"

#include <algorithm>

#include "src/base/json_pointer.h"

namespace lithium::grammar {
namespace {

struct Frame {
  bool object = false;
  std::string key;     // the current member's name (objects)
  int64_t index = -1;  // the current element (arrays)
  // kOpen: after '{' or '['; kKey: inside a member name; kColon: after the
  // name; kValue: a value must come next; kAfter: after a value.
  enum { kOpen, kKey, kColon, kValue, kAfter } at = kOpen;
};

std::string Pointer(const std::vector<Frame>& stack, size_t depth) {
  std::string p;
  for (size_t i = 0; i < depth; ++i) {
    const Frame& f = stack[i];
    if (f.object) {
      AppendPointerToken(&p, f.key);
    } else {
      AppendPointerToken(&p, std::to_string(std::max<int64_t>(f.index, 0)));
    }
  }
  return p;
}

}  // namespace

std::vector<std::string> JsonPointersAt(std::string_view text, const std::vector<int64_t>& offsets) {
  std::vector<std::string> out;
  std::vector<Frame> stack;
  bool in_string = false, escape = false, in_scalar = false;
  size_t next = 0;
  auto emit = [&]() {
    // Where the next byte goes: inside a string or number, that value;
    // where a member's or a later element's value must start, that value;
    // elsewhere the enclosing container.
    std::string p;
    if (stack.empty()) {
      p = "";
    } else {
      const Frame& top = stack.back();
      const bool value_open = ((in_string || in_scalar) && top.at != Frame::kKey) || top.at == Frame::kValue;
      p = Pointer(stack, value_open ? stack.size() : stack.size() - 1);
    }
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  };
  for (size_t i = 0; i <= text.size(); ++i) {
    while (next < offsets.size() && offsets[next] <= int64_t(i)) {
      emit();
      ++next;
    }
    if (i == text.size() || next >= offsets.size()) break;
    const char c = text[i];
    Frame* top = stack.empty() ? nullptr : &stack.back();
    if (in_string) {
      if (escape) {
        escape = false;
        if (top && top->at == Frame::kKey) top->key.push_back(c == 'n' ? '\n' : c == 't' ? '\t' : c);
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
        if (top) top->at = top->at == Frame::kKey ? Frame::kColon : Frame::kAfter;
      } else if (top && top->at == Frame::kKey) {
        top->key.push_back(c);
      }
      continue;
    }
    if (in_scalar && (c == ',' || c == '}' || c == ']')) {
      in_scalar = false;
      if (top) top->at = Frame::kAfter;
    }
    switch (c) {
      case '{':
      case '[':
        if (top && !top->object) top->index += top->at == Frame::kOpen ? 1 : 0;
        if (top) top->at = Frame::kAfter;  // the container is its value
        stack.push_back(Frame{});
        stack.back().object = c == '{';
        break;
      case '}':
      case ']':
        if (!stack.empty()) stack.pop_back();
        break;
      case ',':
        if (top) {
          top->at = top->object ? Frame::kOpen : Frame::kValue;
          if (!top->object) top->index++;
        }
        break;
      case ':':
        if (top) top->at = Frame::kValue;
        break;
      case '"':
        in_string = true;
        if (top && top->object && top->at == Frame::kOpen) {
          top->at = Frame::kKey;
          top->key.clear();
        } else if (top && !top->object && top->at == Frame::kOpen) {
          top->index = 0;
          top->at = Frame::kValue;
        }
        break;
      default:
        if (!in_scalar) {
          in_scalar = true;
          if (top && !top->object && top->at == Frame::kOpen) {
            top->index = 0;
            top->at = Frame::kValue;
          }
        }
        break;
    }
  }
  while (next++ < offsets.size()) emit();
  return out;
}

}  // namespace lithium::grammar
