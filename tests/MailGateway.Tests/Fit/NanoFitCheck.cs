// Reads a built assembly with System.Reflection.Metadata and lists what compiles against
// nanoFramework's mscorlib but does not run on the device (see "Keeping the core fit for nanoFramework" in the README):
//   - an assembly reference other than mscorlib (or, for the firmware's check assembly, the few
//     it is allowed: the core and the declared nanoFramework API);
//   - a generic parameter on a type or method we define;
//   - a generic instantiation (Func<int>, Action<string>, List<T>) anywhere a type can be written;
//   - a method specification (a call to a generic method);
//   - a pointer, a function pointer or a multi-dimensional array (int[,]) anywhere a type can be written;
//   - a type with more than 255 methods.
// How: the metadata tables are walked row by row, not the types reachable from some root, so
// nothing hides. Every signature blob a type can be written in — type specs (which also serve as
// the parents of member references and as base types), field and method definitions, properties,
// member references, method specs, and standalone signatures (locals and calli) — is decoded
// with a signature provider that renders the type as text and records each bad construct it meets,
// however deeply nested (Func<int>[] or int*[] are caught too). Each finding names the construct
// and where it was found. The check reads only metadata: it neither loads nor runs the assembly.
using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace MailGateway.Tests.Fit
{
    public enum NanoFitKind
    {
        AssemblyReference,
        GenericParameter,
        GenericInstantiation,
        MethodSpecification,
        Pointer,
        FunctionPointer,
        MultiDimensionalArray,
        TooManyMethods,
    }

    public sealed record NanoFitFinding(NanoFitKind Kind, string Text)
    {
        public override string ToString() => Kind + ": " + Text;
    }

    public static class NanoFitCheck
    {
        /// <summary>NANO-FIT.md: a type with more methods than this (constructors and accessors included) does not run on the device.</summary>
        public const int MaxMethodsPerType = 255;

        public static IReadOnlyList<NanoFitFinding> Check(string assemblyPath) => Check(assemblyPath, "mscorlib");

        /// <summary>As Check, with the assembly references that are allowed (mscorlib must be among them).</summary>
        public static IReadOnlyList<NanoFitFinding> Check(string assemblyPath, params string[] allowedReferences)
        {
            using var stream = File.OpenRead(assemblyPath);
            return Check(stream, allowedReferences);
        }

        /// <summary>Reads a PE image from the stream; an empty list means the assembly fits.</summary>
        public static IReadOnlyList<NanoFitFinding> Check(Stream peImage) => Check(peImage, "mscorlib");

        public static IReadOnlyList<NanoFitFinding> Check(Stream peImage, params string[] allowedReferences)
        {
            using var pe = new PEReader(peImage, PEStreamOptions.LeaveOpen);
            var md = pe.GetMetadataReader();
            var scan = new Scan(pe, md, allowedReferences);
            scan.AssemblyReferences();
            scan.Definitions();
            scan.TypeSpecifications();
            scan.MemberReferences();
            scan.MethodSpecifications();
            scan.StandaloneSignatures();
            return scan.Findings;
        }

        sealed class Scan
        {
            readonly PEReader pe;
            readonly MetadataReader md;
            readonly TypeText provider;
            readonly HashSet<string> seen = new();
            readonly Dictionary<StandaloneSignatureHandle, string> localsOwner = new();
            public readonly List<NanoFitFinding> Findings = new();

            readonly string[] allowedReferences;

            public Scan(PEReader pe, MetadataReader md, string[] allowedReferences)
            {
                this.pe = pe;
                this.md = md;
                this.allowedReferences = allowedReferences;
                provider = new TypeText(md);
            }

            void Add(NanoFitKind kind, string text)
            {
                if (seen.Add(kind + text)) Findings.Add(new NanoFitFinding(kind, text));
            }

            public void AssemblyReferences()
            {
                foreach (var handle in md.AssemblyReferences)
                {
                    var reference = md.GetAssemblyReference(handle);
                    string name = md.GetString(reference.Name);
                    if (Array.IndexOf(allowedReferences, name) < 0) Add(NanoFitKind.AssemblyReference, "assembly reference " + name + " " + reference.Version);
                }
            }

            public void Definitions()
            {
                foreach (var typeHandle in md.TypeDefinitions)
                {
                    var type = md.GetTypeDefinition(typeHandle);
                    string typeName = provider.Name(typeHandle);
                    if (type.GetGenericParameters().Count > 0) Add(NanoFitKind.GenericParameter, "generic type parameter on " + typeName);
                    int methods = type.GetMethods().Count;
                    if (methods > MaxMethodsPerType) Add(NanoFitKind.TooManyMethods, typeName + " has " + methods + " methods (at most " + MaxMethodsPerType + ")");

                    foreach (var fieldHandle in type.GetFields())
                    {
                        var field = md.GetFieldDefinition(fieldHandle);
                        string where = "field " + typeName + "::" + md.GetString(field.Name);
                        Decode(where, () => field.DecodeSignature(provider, null));
                    }
                    foreach (var methodHandle in type.GetMethods())
                    {
                        var method = md.GetMethodDefinition(methodHandle);
                        string where = "method " + typeName + "::" + md.GetString(method.Name);
                        if (method.GetGenericParameters().Count > 0) Add(NanoFitKind.GenericParameter, "generic method parameter on " + where);
                        Decode(where, () => Text(method.DecodeSignature(provider, null)));
                        if (method.RelativeVirtualAddress != 0)
                        {
                            var locals = pe.GetMethodBody(method.RelativeVirtualAddress).LocalSignature;
                            if (!locals.IsNil) localsOwner[locals] = "locals of " + where;
                        }
                    }
                    foreach (var propertyHandle in type.GetProperties())
                    {
                        var property = md.GetPropertyDefinition(propertyHandle);
                        string where = "property " + typeName + "::" + md.GetString(property.Name);
                        Decode(where, () => Text(property.DecodeSignature(provider, null)));
                    }
                }
            }

            // Covers generic instantiations used as base types, interfaces, member-reference
            // parents (Func<int>::Invoke), and operands of newobj/castclass/box/initobj...
            public void TypeSpecifications()
            {
                int rows = md.GetTableRowCount(TableIndex.TypeSpec);
                for (int row = 1; row <= rows; row++)
                {
                    var spec = md.GetTypeSpecification(MetadataTokens.TypeSpecificationHandle(row));
                    Decode("type spec", () => spec.DecodeSignature(provider, null));
                }
            }

            public void MemberReferences()
            {
                foreach (var handle in md.MemberReferences)
                {
                    var member = md.GetMemberReference(handle);
                    string where = "reference to " + provider.Parent(member.Parent) + "::" + md.GetString(member.Name);
                    if (member.GetKind() == MemberReferenceKind.Field) Decode(where, () => member.DecodeFieldSignature(provider, null));
                    else Decode(where, () => Text(member.DecodeMethodSignature(provider, null)));
                }
            }

            public void MethodSpecifications()
            {
                int rows = md.GetTableRowCount(TableIndex.MethodSpec);
                for (int row = 1; row <= rows; row++)
                {
                    var spec = md.GetMethodSpecification(MetadataTokens.MethodSpecificationHandle(row));
                    string method = provider.Parent(spec.Method);
                    Add(NanoFitKind.MethodSpecification, "generic method instantiation " + method);
                    Decode("instantiation of " + method, () => "<" + string.Join(",", spec.DecodeSignature(provider, null)) + ">");
                }
            }

            // Local variable signatures and calli signatures.
            public void StandaloneSignatures()
            {
                int rows = md.GetTableRowCount(TableIndex.StandAloneSig);
                for (int row = 1; row <= rows; row++)
                {
                    var handle = MetadataTokens.StandaloneSignatureHandle(row);
                    var signature = md.GetStandaloneSignature(handle);
                    if (signature.GetKind() == StandaloneSignatureKind.LocalVariables)
                        Decode(localsOwner.TryGetValue(handle, out var owner) ? owner : "locals", () => string.Join(",", signature.DecodeLocalSignature(provider, null)));
                    else
                        Decode("calli signature", () => Text(signature.DecodeMethodSignature(provider, null)));
                }
            }

            // Decodes one signature and turns whatever the provider met into findings that say where.
            void Decode(string where, Func<string> decode)
            {
                provider.Hits.Clear();
                string signature = decode();
                foreach (var (kind, what, type) in provider.Hits)
                    Add(kind, what + " " + type + " in " + where + (signature == type ? "" : " : " + signature));
            }

            static string Text(MethodSignature<string> signature) =>
                signature.ReturnType + "(" + string.Join(",", signature.ParameterTypes) + ")";
        }

        // Renders a signature's types as text (ILDasm-like) and records each construct that
        // nanoFramework cannot run.
        sealed class TypeText : ISignatureTypeProvider<string, object>
        {
            readonly MetadataReader md;
            public readonly List<(NanoFitKind Kind, string What, string Type)> Hits = new();

            public TypeText(MetadataReader md) { this.md = md; }

            public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString().ToLowerInvariant();
            public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Name(handle);
            public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Name(handle);
            public string GetTypeFromSpecification(MetadataReader reader, object context, TypeSpecificationHandle handle, byte rawTypeKind) =>
                md.GetTypeSpecification(handle).DecodeSignature(this, context);
            public string GetSZArrayType(string elementType) => elementType + "[]";
            public string GetByReferenceType(string elementType) => elementType + "&";
            public string GetPinnedType(string elementType) => elementType + " pinned";
            public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
            public string GetGenericTypeParameter(object context, int index) => "!" + index;
            public string GetGenericMethodParameter(object context, int index) => "!!" + index;

            public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
                Hit(NanoFitKind.GenericInstantiation, "generic instantiation", genericType + "<" + string.Join(",", typeArguments) + ">");

            public string GetPointerType(string elementType) => Hit(NanoFitKind.Pointer, "pointer", elementType + "*");

            public string GetFunctionPointerType(MethodSignature<string> signature) =>
                Hit(NanoFitKind.FunctionPointer, "function pointer", "method " + signature.ReturnType + " *(" + string.Join(",", signature.ParameterTypes) + ")");

            public string GetArrayType(string elementType, ArrayShape shape) =>
                Hit(NanoFitKind.MultiDimensionalArray, "multi-dimensional array", elementType + "[" + new string(',', shape.Rank - 1) + "]");

            string Hit(NanoFitKind kind, string what, string type)
            {
                Hits.Add((kind, what, type));
                return type;
            }

            public string Name(TypeDefinitionHandle handle)
            {
                var type = md.GetTypeDefinition(handle);
                string name = md.GetString(type.Name);
                var declaring = type.GetDeclaringType();
                if (!declaring.IsNil) return Name(declaring) + "+" + name;
                string ns = md.GetString(type.Namespace);
                return ns.Length == 0 ? name : ns + "." + name;
            }

            public string Name(TypeReferenceHandle handle)
            {
                var type = md.GetTypeReference(handle);
                string name = md.GetString(type.Name);
                if (type.ResolutionScope.Kind == HandleKind.TypeReference) return Name((TypeReferenceHandle)type.ResolutionScope) + "+" + name;
                string ns = md.GetString(type.Namespace);
                return ns.Length == 0 ? name : ns + "." + name;
            }

            // A member reference's parent, or a method spec's method, as text (no hits recorded:
            // the type spec and method spec tables are scanned on their own).
            public string Parent(EntityHandle handle)
            {
                switch (handle.Kind)
                {
                    case HandleKind.TypeDefinition: return Name((TypeDefinitionHandle)handle);
                    case HandleKind.TypeReference: return Name((TypeReferenceHandle)handle);
                    case HandleKind.TypeSpecification: return Quietly(() => md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null));
                    case HandleKind.MethodDefinition:
                        var method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                        return Name(method.GetDeclaringType()) + "::" + md.GetString(method.Name);
                    case HandleKind.MemberReference:
                        var member = md.GetMemberReference((MemberReferenceHandle)handle);
                        return Parent(member.Parent) + "::" + md.GetString(member.Name);
                    case HandleKind.ModuleReference: return md.GetString(md.GetModuleReference((ModuleReferenceHandle)handle).Name);
                    default: return handle.Kind.ToString();
                }
            }

            string Quietly(Func<string> decode)
            {
                var saved = Hits.ToArray();
                string text = decode();
                Hits.Clear();
                Hits.AddRange(saved);
                return text;
            }
        }
    }
}
