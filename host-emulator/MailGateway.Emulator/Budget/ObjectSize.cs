// Measures a part of the gateway: the bytes of the real object graph reachable from it, in two
// layouts, because neither is always the larger:
//   .NET (64-bit): 16-byte object header, fields at their sizes, padded to 8; arrays 24 bytes plus
//     their elements; strings 22 bytes plus 2 per character (UTF-16).
//   nanoFramework (its interpreter's heap, CLR_RT_HeapBlock): everything in 12-byte blocks; an
//     object is one block of header plus one block per field, whatever the field's type; an array
//     has a 20-byte header, then its elements at their size (a reference or a struct: one block);
//     a string is a block plus its UTF-8 bytes and a terminator. Byte arrays and strings cost less
//     there, objects with many fields more.
// The walk stops at
// objects shared with other parts — the configuration, settings, policy and platform objects, the
// loop's scratch buffer — which the caller names (by type or by reference), so each byte belongs to
// one part only. Deterministic and independent of what other threads allocate, so tests can hold a
// part to its figure after driving it through real work. A test compares it with the runtime's own
// allocation counter for freshly built objects.
using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace MailGateway.Emulator.Budget
{
    public sealed class ObjectSize
    {
        private const int Header = 16;        // object header + method table pointer
        private const int ArrayHeader = 24;   // + length (padded)
        private const int StringHeader = 22;  // + length + terminating char

        private readonly HashSet<Type> _sharedTypes = new HashSet<Type>();
        private readonly HashSet<object> _sharedObjects = new HashSet<object>(ReferenceEqualityComparer.Instance);
        private static readonly Dictionary<Type, FieldInfo[]> Fields = new Dictionary<Type, FieldInfo[]>();
        private static readonly Assembly Core = typeof(MailGateway.Core.Config.GatewayConfig).Assembly;

        /// <summary>Objects of this type belong to another part (or to no part): not counted, not walked.</summary>
        public ObjectSize Share(Type type)
        {
            _sharedTypes.Add(type);
            return this;
        }

        /// <summary>This object belongs to another part: not counted, not walked.</summary>
        public ObjectSize Share(object shared)
        {
            if (shared != null) _sharedObjects.Add(shared);
            return this;
        }

        /// <summary>.NET bytes of the objects reachable from the roots, each counted once, shared ones left out.</summary>
        public long Of(params object[] roots) => Weigh(roots).DotNet;

        /// <summary>Both layouts' bytes of the objects reachable from the roots, each counted once, shared ones left out.</summary>
        public Weight Weigh(params object[] roots)
        {
            var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
            var pending = new Stack<object>();
            foreach (object root in roots) if (root != null) pending.Push(root);
            long total = 0;
            long nano = 0;
            while (pending.Count > 0)
            {
                object o = pending.Pop();
                if (!seen.Add(o) || IsShared(o)) continue;
                total += Shallow(o, pending);
                nano += Nano(o);
            }
            return new Weight(total, nano);
        }

        // ---- nanoFramework's layout ------------------------------------------------------------

        private const int Block = 12;

        private static long Nano(object o)
        {
            Type t = o.GetType();
            if (o is string s) return Blocks(Block + System.Text.Encoding.UTF8.GetByteCount(s) + 1);
            if (t.IsArray)
            {
                var array = (Array)o;
                Type element = t.GetElementType();
                int each = element.IsPrimitive || element.IsEnum ? PrimitiveSize(element) : Block;
                return Blocks(20 + (long)each * array.Length);
            }
            return Block * (1L + InstanceFields(t).Length);
        }

        private static long Blocks(long bytes) => (bytes + Block - 1) / Block * Block;

        private bool IsShared(object o)
        {
            if (_sharedObjects.Contains(o)) return true;
            Type t = o.GetType();
            if (_sharedTypes.Contains(t)) return true;
            // Platform objects (sockets, files, clocks, logs) and runtime machinery are not the core's.
            if (t.Assembly != Core && t.Assembly != typeof(object).Assembly) return true;
            return o is Type || o is Delegate || o is MemberInfo;
        }

        private static long Shallow(object o, Stack<object> pending)
        {
            Type t = o.GetType();
            if (o is string s) return Pad(StringHeader + 2L * s.Length);
            if (t.IsArray)
            {
                var array = (Array)o;
                Type element = t.GetElementType();
                if (!element.IsValueType)
                {
                    foreach (object item in array) if (item != null) pending.Push(item);
                    return Pad(ArrayHeader + 8L * array.Length);
                }
                if (element.IsPrimitive || element.IsEnum) return Pad(ArrayHeader + (long)PrimitiveSize(element) * array.Length);
                long size = ArrayHeader;
                foreach (object item in array) size += ValueSize(element, item, pending);
                return Pad(size);
            }
            return Pad(Header + FieldBytes(t, o, pending));
        }

        private static long FieldBytes(Type t, object o, Stack<object> pending)
        {
            long size = 0;
            foreach (FieldInfo f in InstanceFields(t)) size += ValueSize(f.FieldType, f.GetValue(o), pending);
            return size;
        }

        private static long ValueSize(Type type, object value, Stack<object> pending)
        {
            if (!type.IsValueType)
            {
                if (value != null) pending.Push(value);
                return 8;
            }
            if (type.IsPrimitive || type.IsEnum) return PrimitiveSize(type);
            return value == null ? 0 : FieldBytes(type, value, pending); // a struct: its fields inline
        }

        // Under NativeAOT (the released mailgw) reflection sees only the fields whose metadata the
        // compiler kept: all of MailGateway.Core's (rooted whole by the project file) and ArrayList's
        // (the DynamicDependency below), the only runtime class the core keeps objects of. A class or
        // struct of any other assembly, or a base class there, would read as having no fields and be
        // weighed short: there it is refused instead, saying so.
        [DynamicDependency(DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields, typeof(System.Collections.ArrayList))]
        [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Fields kept for the core's types (TrimmerRootAssembly) and ArrayList (DynamicDependency); any other type is refused under NativeAOT.")]
        [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Base types likewise: the core's or ArrayList, else refused under NativeAOT.")]
        private static FieldInfo[] InstanceFields(Type t)
        {
            lock (Fields)
            {
                if (Fields.TryGetValue(t, out FieldInfo[] cached)) return cached;
                var list = new List<FieldInfo>();
                for (Type k = t; k != null && k != typeof(object) && k != typeof(ValueType); k = k.BaseType)
                {
                    if (!RuntimeFeature.IsDynamicCodeSupported && k.Assembly != Core && k != typeof(System.Collections.ArrayList))
                    {
                        throw new NotSupportedException("this NativeAOT build keeps no field metadata for " + k.FullName +
                                                        ", so it cannot weigh it; the JIT build can (dotnet mailgw.dll budget)");
                    }
                    list.AddRange(k.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
                }
                cached = list.ToArray();
                Fields[t] = cached;
                return cached;
            }
        }

        private static int PrimitiveSize(Type t)
        {
            if (t.IsEnum) t = Enum.GetUnderlyingType(t);
            if (t == typeof(bool) || t == typeof(byte) || t == typeof(sbyte)) return 1;
            if (t == typeof(char) || t == typeof(short) || t == typeof(ushort)) return 2;
            if (t == typeof(int) || t == typeof(uint) || t == typeof(float)) return 4;
            return 8; // long, ulong, double, pointers
        }

        private static long Pad(long bytes) => (bytes + 7) & ~7L;
    }
}
