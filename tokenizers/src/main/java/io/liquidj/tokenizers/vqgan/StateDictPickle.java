package io.liquidj.tokenizers.vqgan;

import io.liquidj.framework.UserError;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that understands only what {@code torch.save(state_dict)} writes: dicts, strings,
 * ints, tuples, {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and
 * persistent-id storages. It never imports or calls anything: the few allowed globals become inert
 * markers, and any other opcode or global is refused with an error naming it and its offset.
 */
final class StateDictPickle {
  /** Storage classes torch pickles by name, with their element type. */
  static final Map<String, io.liquidj.framework.safetensors.DType> STORAGE_TYPES = Map.of(
      "FloatStorage", io.liquidj.framework.safetensors.DType.F32,
      "HalfStorage", io.liquidj.framework.safetensors.DType.F16,
      "BFloat16Storage", io.liquidj.framework.safetensors.DType.BF16,
      "DoubleStorage", io.liquidj.framework.safetensors.DType.F64,
      "LongStorage", io.liquidj.framework.safetensors.DType.I64,
      "IntStorage", io.liquidj.framework.safetensors.DType.I32,
      "ShortStorage", io.liquidj.framework.safetensors.DType.I16,
      "CharStorage", io.liquidj.framework.safetensors.DType.I8,
      "ByteStorage", io.liquidj.framework.safetensors.DType.U8,
      "BoolStorage", io.liquidj.framework.safetensors.DType.BOOL);

  private static final Set<String> FUNCTIONS = Set.of(
      "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter");

  /** An allowed global, by its dotted name (never resolved to anything executable). */
  record Global(String name) {}

  /** A pickled tuple. */
  record Tuple(List<Object> items) {}

  /** A storage named by a persistent id: {@code ('storage', torch.FloatStorage, key, location, numel)}. */
  record StorageRef(io.liquidj.framework.safetensors.DType dtype, String key, long numel) {}

  /** A tensor view of a storage. */
  record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {}

  private static final Object MARK = new Object();

  private final ByteBuffer in;
  private final String where;
  private final Deque<Object> stack = new ArrayDeque<>();
  private final Deque<Integer> marks = new ArrayDeque<>();
  private final Map<Integer, Object> memo = new HashMap<>();

  private StateDictPickle(byte[] data, String where) {
    this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    this.where = where;
  }

  /** Reads the pickle's top-level object; {@code where} names the file in errors. */
  static Object read(byte[] data, String where) {
    return new StateDictPickle(data, where).run();
  }

  private Object run() {
    try {
      while (true) {
        int pos = in.position();
        int op = in.get() & 0xff;
        switch (op) {
          case 0x80 -> { // PROTO
            int proto = in.get() & 0xff;
            if (proto > 5) {
              throw error(pos, "pickle protocol " + proto + " (at most 5 is supported)");
            }
          }
          case 0x95 -> in.getLong(); // FRAME (protocol 4+): a length hint only
          case '.' -> { // STOP
            if (stack.size() != 1) {
              throw error(pos, "STOP with " + stack.size() + " objects on the stack");
            }
            return stack.pop();
          }
          case '}' -> push(new LinkedHashMap<Object, Object>()); // EMPTY_DICT
          case ']' -> push(new ArrayList<Object>()); // EMPTY_LIST
          case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
          case '(' -> { // MARK
            marks.push(stack.size());
          }
          case 'N' -> push(null); // NONE
          case 0x88 -> push(Boolean.TRUE); // NEWTRUE
          case 0x89 -> push(Boolean.FALSE); // NEWFALSE
          case 'K' -> push((long) (in.get() & 0xff)); // BININT1
          case 'M' -> push((long) (in.getShort() & 0xffff)); // BININT2
          case 'J' -> push((long) in.getInt()); // BININT
          case 0x8a -> push(long1(pos)); // LONG1
          case 'G' -> push(binFloat()); // BINFLOAT
          case 'X' -> push(string(in.getInt(), pos)); // BINUNICODE
          case 0x8c -> push(string(in.get() & 0xff, pos)); // SHORT_BINUNICODE
          case 'q' -> memo.put(in.get() & 0xff, peek(pos)); // BINPUT
          case 'r' -> memo.put(in.getInt(), peek(pos)); // LONG_BINPUT
          case 0x94 -> memo.put(memo.size(), peek(pos)); // MEMOIZE
          case 'h' -> push(memoGet(in.get() & 0xff, pos)); // BINGET
          case 'j' -> push(memoGet(in.getInt(), pos)); // LONG_BINGET
          case 't' -> push(new Tuple(popMark(pos))); // TUPLE
          case 0x85 -> push(new Tuple(List.of(nonNull(pop(pos))))); // TUPLE1
          case 0x86 -> { // TUPLE2
            Object b = pop(pos);
            push(new Tuple(List.of(nonNull(pop(pos)), nonNull(b))));
          }
          case 0x87 -> { // TUPLE3
            Object c = pop(pos);
            Object b = pop(pos);
            push(new Tuple(List.of(nonNull(pop(pos)), nonNull(b), nonNull(c))));
          }
          case 'c' -> push(global(line(), line(), pos)); // GLOBAL
          case 'Q' -> push(storage(pop(pos), pos)); // BINPERSID
          case 'R' -> { // REDUCE
            Object args = pop(pos);
            push(reduce(pop(pos), args, pos));
          }
          case 's' -> { // SETITEM
            Object value = pop(pos);
            Object key = pop(pos);
            dict(peek(pos), pos).put(key, value);
          }
          case 'u' -> { // SETITEMS
            List<Object> items = popMark(pos);
            Map<Object, Object> d = dict(peek(pos), pos);
            for (int i = 0; i + 1 < items.size(); i += 2) {
              d.put(items.get(i), items.get(i + 1));
            }
          }
          case 'a' -> { // APPEND
            Object value = pop(pos);
            list(peek(pos), pos).add(value);
          }
          case 'e' -> { // APPENDS
            List<Object> items = popMark(pos);
            list(peek(pos), pos).addAll(items);
          }
          case 'b' -> { // BUILD: an OrderedDict's attributes (state_dict._metadata); kept out, nothing is set
            pop(pos);
            dict(peek(pos), pos);
          }
          default -> throw error(pos, "unsupported pickle opcode 0x" + Integer.toHexString(op)
              + (op >= 0x20 && op < 0x7f ? " '" + (char) op + "'" : "")
              + " (only the opcodes of a PyTorch state dict are read; nothing is executed)");
        }
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new UserError(where + ": pickle ends early at byte " + in.position() + " (truncated data.pkl)");
    }
  }

  private static Object nonNull(Object o) {
    return o == null ? NullValue.NULL : o;
  }

  /** Tuples hold no Java nulls (List.of refuses them); None inside a tuple is this marker. */
  enum NullValue { NULL }

  private void push(Object o) {
    stack.push(o == null ? NullValue.NULL : o);
  }

  private Object pop(int pos) {
    if (stack.isEmpty() || (!marks.isEmpty() && stack.size() <= marks.peek())) {
      throw error(pos, "stack underflow");
    }
    Object o = stack.pop();
    return o == NullValue.NULL ? null : o;
  }

  private Object peek(int pos) {
    if (stack.isEmpty()) {
      throw error(pos, "stack underflow");
    }
    return stack.peek() == NullValue.NULL ? null : stack.peek();
  }

  private List<Object> popMark(int pos) {
    if (marks.isEmpty()) {
      throw error(pos, "no MARK to pop to");
    }
    int depth = marks.pop();
    List<Object> items = new ArrayList<>();
    while (stack.size() > depth) {
      items.add(stack.pop());
    }
    Collections.reverse(items);
    return items;
  }

  private Object memoGet(int key, int pos) {
    if (!memo.containsKey(key)) {
      throw error(pos, "memo key " + key + " was never stored");
    }
    return memo.get(key);
  }

  private long long1(int pos) {
    int n = in.get() & 0xff;
    if (n > 8) {
      throw error(pos, "integer of " + n + " bytes");
    }
    long v = 0;
    for (int i = 0; i < n; i++) {
      v |= (long) (in.get() & 0xff) << (8 * i);
    }
    if (n > 0 && n < 8 && (v >> (8 * n - 1) & 1) == 1) {
      v -= 1L << (8 * n); // two's complement of n bytes
    }
    return v;
  }

  /** BINFLOAT is the one big-endian value in a pickle. */
  private double binFloat() {
    double v = in.order(ByteOrder.BIG_ENDIAN).getDouble();
    in.order(ByteOrder.LITTLE_ENDIAN);
    return v;
  }

  private String string(int length, int pos) {
    if (length < 0 || length > in.remaining()) {
      throw error(pos, "string of " + length + " bytes past the end");
    }
    byte[] b = new byte[length];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private String line() {
    StringBuilder sb = new StringBuilder();
    byte b;
    while ((b = in.get()) != '\n') {
      sb.append((char) b);
    }
    return sb.toString();
  }

  private Global global(String module, String name, int pos) {
    String dotted = module + "." + name;
    if (FUNCTIONS.contains(dotted) || (module.equals("torch") && STORAGE_TYPES.containsKey(name))) {
      return new Global(dotted);
    }
    throw error(pos, "refusing global " + dotted + " (only collections.OrderedDict, torch._utils._rebuild_tensor_v2,"
        + " torch._utils._rebuild_parameter and torch.*Storage may appear in a state dict; nothing is executed)");
  }

  private StorageRef storage(Object pid, int pos) {
    if (pid instanceof Tuple t && t.items().size() == 5 && "storage".equals(t.items().get(0))
        && t.items().get(1) instanceof Global g && t.items().get(2) instanceof String key
        && t.items().get(4) instanceof Long numel) {
      return new StorageRef(STORAGE_TYPES.get(g.name().substring("torch.".length())), key, numel);
    }
    throw error(pos, "persistent id " + pid + " is not ('storage', torch.XStorage, key, location, numel)");
  }

  private Object reduce(Object callable, Object args, int pos) {
    if (!(callable instanceof Global g) || !(args instanceof Tuple t)) {
      throw error(pos, "REDUCE of " + callable + " with " + args);
    }
    List<Object> a = t.items();
    switch (g.name()) {
      case "collections.OrderedDict" -> {
        if (!a.isEmpty()) {
          throw error(pos, "OrderedDict with arguments");
        }
        return new LinkedHashMap<Object, Object>();
      }
      case "torch._utils._rebuild_tensor_v2" -> {
        if (a.size() < 4 || !(a.get(0) instanceof StorageRef s) || !(a.get(1) instanceof Long offset)) {
          throw error(pos, "_rebuild_tensor_v2 arguments " + a);
        }
        return new TensorRef(s, offset, longs(a.get(2), pos), longs(a.get(3), pos));
      }
      case "torch._utils._rebuild_parameter" -> {
        if (a.isEmpty() || !(a.get(0) instanceof TensorRef tensor)) {
          throw error(pos, "_rebuild_parameter arguments " + a);
        }
        return tensor;
      }
      default -> throw error(pos, "cannot call " + g.name());
    }
  }

  private long[] longs(Object o, int pos) {
    if (!(o instanceof Tuple t)) {
      throw error(pos, "expected a tuple of integers, got " + o);
    }
    long[] out = new long[t.items().size()];
    for (int i = 0; i < out.length; i++) {
      if (!(t.items().get(i) instanceof Long v)) {
        throw error(pos, "expected a tuple of integers, got " + t.items());
      }
      out[i] = v;
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(Object o, int pos) {
    if (o instanceof Map<?, ?> m) {
      return (Map<Object, Object>) m;
    }
    throw error(pos, "setting items on " + (o == null ? "None" : o.getClass().getSimpleName()) + ", expected a dict");
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(Object o, int pos) {
    if (o instanceof ArrayList<?> l) {
      return (List<Object>) l;
    }
    throw error(pos, "appending to " + o + ", expected a list");
  }

  private UserError error(int pos, String what) {
    return new UserError(where + ": " + what + " at byte " + pos);
  }
}
