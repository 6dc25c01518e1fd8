// Shows NanoFitCheck can fail: small deliberately-bad sources are compiled in memory with Roslyn
// and each must produce its finding. The bad sources are compiled against nanoFramework's own
// mscorlib — every one of them compiles there, which is exactly why the check is needed — except
// the foreign-reference case, compiled against the running .NET's assemblies. Clean sources
// compiled against nanoFramework's mscorlib must produce no finding at all, so the check does not
// cry wolf (events, lambdas over our own delegate types, string switches, 255 methods...).
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace MailGateway.Tests.Fit
{
    public class NanoFitCheckCatchesTests
    {
        static readonly Dictionary<string, string> BadSources = new()
        {
            ["GenericClass"] = "namespace Bad { public class Box<T> { public T Value; } }",
            ["GenericMethod"] = "namespace Bad { public static class Util { public static T Same<T>(T x) { return x; } } }",
            ["GenericMethodCall"] = "namespace Bad { public static class Util { public static T Same<T>(T x) { return x; } public static int Call() { return Same(1); } } }",
            ["FuncOfIntParameter"] = "namespace Bad { public static class Use { public static int Run(System.Func<int> f) { return f(); } } }",
            ["ActionOfStringLocal"] = "namespace Bad { public static class Use { public static void Run() { System.Action<string> a = s => { }; a(\"x\"); } } }",
            ["GenericBaseType"] = "namespace Bad { public class Box<T> { } public class IntBox : Box<int> { } }",
            ["PointerField"] = "namespace Bad { public unsafe struct Raw { public int* Ptr; } }",
            ["PointerParameter"] = "namespace Bad { public static unsafe class Raw { public static int Read(byte* p) { return *p; } } }",
            ["PointerLocal"] = "namespace Bad { public static unsafe class Raw { public static int Peek() { int x = 1; int* p = &x; return *p; } } }",
            ["FunctionPointer"] = "namespace Bad { public static unsafe class Raw { public static delegate*<int, int> Hook; } }",
            ["MultiDimensionalArrayField"] = "namespace Bad { public class Grid { public int[,] Cells; } }",
            ["MultiDimensionalArrayLocal"] = "namespace Bad { public static class Grid { public static int Corner() { int[,] g = new int[2, 3]; g[1, 2] = 5; return g[1, 2]; } } }",
            ["TooManyMethods"] = StaticClassWithMethods("Bad", "Big", 256),
            ["ForeignAssemblyReference"] = "namespace Bad { public static class Hello { public static void Say() { System.Console.WriteLine(\"hi\"); } } }",
        };

        [Theory]
        [InlineData("GenericClass", NanoFitKind.GenericParameter, "generic type parameter on Bad.Box`1")]
        [InlineData("GenericMethod", NanoFitKind.GenericParameter, "generic method parameter on method Bad.Util::Same")]
        [InlineData("GenericMethodCall", NanoFitKind.MethodSpecification, "generic method instantiation Bad.Util::Same")]
        [InlineData("FuncOfIntParameter", NanoFitKind.GenericInstantiation, "generic instantiation System.Func`1<int32> in method Bad.Use::Run")]
        [InlineData("ActionOfStringLocal", NanoFitKind.GenericInstantiation, "generic instantiation System.Action`1<string>")]
        [InlineData("GenericBaseType", NanoFitKind.GenericInstantiation, "generic instantiation Bad.Box`1<int32> in type spec")]
        [InlineData("PointerField", NanoFitKind.Pointer, "pointer int32* in field Bad.Raw::Ptr")]
        [InlineData("PointerParameter", NanoFitKind.Pointer, "pointer byte* in method Bad.Raw::Read")]
        [InlineData("PointerLocal", NanoFitKind.Pointer, "pointer int32* in locals of method Bad.Raw::Peek")]
        [InlineData("FunctionPointer", NanoFitKind.FunctionPointer, "function pointer method int32 *(int32) in field Bad.Raw::Hook")]
        [InlineData("MultiDimensionalArrayField", NanoFitKind.MultiDimensionalArray, "multi-dimensional array int32[,] in field Bad.Grid::Cells")]
        [InlineData("MultiDimensionalArrayLocal", NanoFitKind.MultiDimensionalArray, "multi-dimensional array int32[,] in locals of method Bad.Grid::Corner")]
        [InlineData("TooManyMethods", NanoFitKind.TooManyMethods, "Bad.Big has 256 methods (at most 255)")]
        [InlineData("ForeignAssemblyReference", NanoFitKind.AssemblyReference, "assembly reference System.Console")]
        public void BadSource_IsReported(string name, NanoFitKind kind, string expected)
        {
            bool againstDotNet = name == "ForeignAssemblyReference";
            var findings = CompileAndCheck(BadSources[name], againstDotNet ? DotNetReferences() : NanoReferences());
            Assert.True(findings.Any(f => f.Kind == kind && f.Text.StartsWith(expected, StringComparison.Ordinal)),
                "expected " + kind + ": " + expected + "...\ngot:\n  " + string.Join("\n  ", findings));
        }

        static readonly Dictionary<string, string> CleanSources = new()
        {
            ["NanoFrameworkStyle"] = @"
                using System;
                using System.Collections;
                namespace Good
                {
                    public delegate void LineHandler(string line);
                    public enum State { AwaitingHelo, AwaitingMail, Count }
                    public interface ISink { void Put(byte[] buffer, int offset, int count); }
                    public struct Reply { public int Code; public string Text; }
                    public sealed class Session : ISink
                    {
                        static readonly string[] StateNames = { ""AwaitingHelo"", ""AwaitingMail"" };
                        readonly ArrayList lines = new ArrayList();
                        readonly byte[][] buffers = new byte[2][];
                        public event LineHandler Line;
                        public State State { get; private set; }
                        public int Count { get { return lines.Count; } }
                        public void Put(byte[] buffer, int offset, int count)
                        {
                            int seen = 0;
                            LineHandler counter = l => seen++;
                            Line += counter;
                            foreach (object o in lines) { if (o is string s && Line != null) Line(s); }
                            Line -= counter;
                            buffers[0] = buffer;
                            try { Touch(buffer[offset + count - 1]); }
                            catch (IndexOutOfRangeException) { State = State.AwaitingMail; }
                        }
                        public static int Verb(string verb)
                        {
                            switch (verb) { case ""HELO"": return 1; case ""EHLO"": return 2; case ""MAIL"": return 3;
                                            case ""RCPT"": return 4; case ""DATA"": return 5; case ""QUIT"": return 6; case ""RSET"": return 7; default: return 0; }
                        }
                        public string Name() { return StateNames[(int)State] + "" "" + DateTime.UtcNow.Ticks; }
                        static void Touch(byte b) { }
                        public class Nested { public Reply Last; }
                    }
                }",
            ["ExactlyMaxMethods"] = StaticClassWithMethods("Good", "Full", NanoFitCheck.MaxMethodsPerType),
        };

        [Theory]
        [InlineData("NanoFrameworkStyle")]
        [InlineData("ExactlyMaxMethods")]
        public void CleanSource_CompiledAgainstNanoMscorlib_HasNoFindings(string name)
        {
            var findings = CompileAndCheck(CleanSources[name], NanoReferences());
            Assert.True(findings.Count == 0, "unexpected findings:\n  " + string.Join("\n  ", findings));
        }

        static string StaticClassWithMethods(string ns, string type, int methods)
        {
            var source = new StringBuilder("namespace " + ns + " { public static class " + type + " {\n");
            for (int i = 0; i < methods; i++) source.Append("public static int M" + i + "() { return " + i + "; }\n");
            return source.Append("} }").ToString();
        }

        static MetadataReference[] NanoReferences() => new[] { MetadataReference.CreateFromFile(NanoCoreLibrary.MscorlibPath) };

        // The running .NET's own assemblies (from the trusted platform assemblies), as the full
        // .NET library a NoStdLib-only build would silently fall back to.
        static MetadataReference[] DotNetReferences()
        {
            var wanted = new[] { "System.Private.CoreLib.dll", "System.Runtime.dll", "System.Console.dll" };
            string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES");
            return trusted.Split(Path.PathSeparator)
                .Where(path => wanted.Contains(Path.GetFileName(path)))
                .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
                .ToArray();
        }

        // Debug (unoptimized) so locals survive into the local signatures the check reads.
        static IReadOnlyList<NanoFitFinding> CompileAndCheck(string source, MetadataReference[] references)
        {
            var compilation = CSharpCompilation.Create(
                "FitProbe",
                new[] { CSharpSyntaxTree.ParseText(source) },
                references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Debug));
            using var image = new MemoryStream();
            var result = compilation.Emit(image);
            Assert.True(result.Success, "does not compile:\n  " + string.Join("\n  ", result.Diagnostics));
            image.Position = 0;
            return NanoFitCheck.Check(image);
        }
    }
}
