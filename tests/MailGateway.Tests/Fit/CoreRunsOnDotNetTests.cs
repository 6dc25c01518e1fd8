// The core is compiled against nanoFramework's mscorlib but the emulator and the tests run the same
// IL on .NET 10, where "mscorlib" is a facade forwarding to .NET's own library. The two libraries
// differ: nanoFramework has members .NET lacks (DateTime.FromUnixTimeSeconds, for one). A call to
// such a member compiles, passes the fit check, and then fails only when .NET reaches it. So every
// member the core references in mscorlib is looked up here in .NET by name and parameter types.
using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace MailGateway.Tests.Fit
{
    public class CoreRunsOnDotNetTests
    {
        [Fact]
        public void EveryMscorlibMemberTheCoreUses_ExistsInDotNet()
        {
            string path = typeof(MailGateway.Core.Runtime.FatName).Assembly.Location;
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            MetadataReader md = pe.GetMetadataReader();
            var provider = new TypeNames(md);
            var missing = new List<string>();
            int checkedMembers = 0;
            foreach (MemberReferenceHandle handle in md.MemberReferences)
            {
                MemberReference member = md.GetMemberReference(handle);
                if (member.Parent.Kind != HandleKind.TypeReference) continue;
                string typeName = provider.GetTypeFromReference(md, (TypeReferenceHandle)member.Parent, 0);
                Type type = Type.GetType(typeName + ", mscorlib");
                string name = md.GetString(member.Name);
                if (type == null)
                {
                    missing.Add(typeName + " (type)");
                    continue;
                }
                checkedMembers++;
                const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;
                if (member.GetKind() == MemberReferenceKind.Field)
                {
                    if (type.GetField(name, all) == null) missing.Add(typeName + "." + name);
                    continue;
                }
                MethodSignature<string> signature = member.DecodeMethodSignature(provider, null);
                IEnumerable<MethodBase> candidates = name == ".ctor"
                    ? type.GetConstructors(all)
                    : type.GetMethods(all).Where(m => m.Name == name);
                bool found = candidates.Any(m =>
                    m.GetParameters().Select(p => p.ParameterType.FullName).SequenceEqual(signature.ParameterTypes));
                if (!found) missing.Add(typeName + "." + name + "(" + string.Join(", ", signature.ParameterTypes) + ")");
            }
            Assert.True(checkedMembers > 20, "too few member references found: " + checkedMembers);
            Assert.True(missing.Count == 0, "members used by the core that .NET 10 does not have:\n" + string.Join("\n", missing));
        }

        // Renders signature types as .NET full names ("System.Byte[]", "System.Int32&").
        private sealed class TypeNames : ISignatureTypeProvider<string, object>
        {
            private readonly MetadataReader _md;
            public TypeNames(MetadataReader md) { _md = md; }

            public string GetPrimitiveType(PrimitiveTypeCode code) => code switch
            {
                PrimitiveTypeCode.Void => "System.Void",
                PrimitiveTypeCode.Boolean => "System.Boolean",
                PrimitiveTypeCode.Char => "System.Char",
                PrimitiveTypeCode.SByte => "System.SByte",
                PrimitiveTypeCode.Byte => "System.Byte",
                PrimitiveTypeCode.Int16 => "System.Int16",
                PrimitiveTypeCode.UInt16 => "System.UInt16",
                PrimitiveTypeCode.Int32 => "System.Int32",
                PrimitiveTypeCode.UInt32 => "System.UInt32",
                PrimitiveTypeCode.Int64 => "System.Int64",
                PrimitiveTypeCode.UInt64 => "System.UInt64",
                PrimitiveTypeCode.Single => "System.Single",
                PrimitiveTypeCode.Double => "System.Double",
                PrimitiveTypeCode.String => "System.String",
                PrimitiveTypeCode.Object => "System.Object",
                PrimitiveTypeCode.IntPtr => "System.IntPtr",
                PrimitiveTypeCode.UIntPtr => "System.UIntPtr",
                PrimitiveTypeCode.TypedReference => "System.TypedReference",
                _ => code.ToString(),
            };

            public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
            {
                TypeDefinition t = reader.GetTypeDefinition(handle);
                return reader.GetString(t.Namespace) + "." + reader.GetString(t.Name);
            }

            public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
            {
                TypeReference t = reader.GetTypeReference(handle);
                string name = reader.GetString(t.Name);
                if (t.ResolutionScope.Kind == HandleKind.TypeReference)
                {
                    return GetTypeFromReference(reader, (TypeReferenceHandle)t.ResolutionScope, 0) + "+" + name;
                }
                string ns = reader.GetString(t.Namespace);
                return ns.Length == 0 ? name : ns + "." + name;
            }

            public string GetSZArrayType(string elementType) => elementType + "[]";
            public string GetByReferenceType(string elementType) => elementType + "&";
            public string GetTypeFromSpecification(MetadataReader reader, object context, TypeSpecificationHandle handle, byte rawTypeKind)
                => reader.GetTypeSpecification(handle).DecodeSignature(this, context);
            public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";
            public string GetPointerType(string elementType) => elementType + "*";
            public string GetPinnedType(string elementType) => elementType;
            public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
            public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;
            public string GetGenericTypeParameter(object context, int index) => "!" + index;
            public string GetGenericMethodParameter(object context, int index) => "!!" + index;
            public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";
        }
    }
}
