// The proof, made without nanoFramework's build tools, that the device firmware fits the device:
// MailGateway.Firmware.Check compiles every .cs of firmware/MailGateway.Firmware and
// firmware/MailGateway.Firmware.Tests against nanoFramework's mscorlib, the core and
// NanoFramework.Declared (the nanoFramework API written down from nanoFramework's sources), so a
// call the device lacks already fails the solution's build. These tests then check what a
// compiler accepts but the device does not run (NanoFitCheck: generics, pointers, foreign
// references…) in that assembly and in the declaration, that nothing but those three assemblies
// is referenced, that every firmware source file really is in the check, and — on small sources
// compiled here — that the check does fail on an API the device does not have.
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MailGateway.Tests.Fit
{
    public class FirmwareFitsNanoFrameworkTests
    {
        static readonly string[] FirmwareReferences = { "mscorlib", "MailGateway.Core", "NanoFramework.Declared" };

        static string RepositoryRoot
        {
            get
            {
                var dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MailGateway.sln"))) dir = dir.Parent;
                Assert.True(dir != null, "MailGateway.sln not found above " + AppContext.BaseDirectory);
                return dir.FullName;
            }
        }

        // bin/<Configuration>/net10.0/ of this test assembly names the configuration the solution was built in.
        static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent.Name;

        static string Built(string project) =>
            Path.Combine(RepositoryRoot, "firmware", project, "bin", Configuration, "netstandard2.0", project + ".dll");

        static string CheckPath => Built("MailGateway.Firmware.Check");
        static string DeclaredPath => Built("NanoFramework.Declared");

        [Fact]
        public void FirmwareCheck_HasNoNanoFitFindings()
        {
            var findings = NanoFitCheck.Check(CheckPath, FirmwareReferences);
            Assert.True(findings.Count == 0, findings.Count + " construct(s) in the firmware do not run on nanoFramework:\n  " + string.Join("\n  ", findings));
        }

        [Fact]
        public void Declaration_HasNoNanoFitFindings()
        {
            var findings = NanoFitCheck.Check(DeclaredPath);
            Assert.True(findings.Count == 0, string.Join("\n  ", findings));
        }

        [Fact]
        public void FirmwareCheck_ReferencesOnlyNanoMscorlibTheCoreAndTheDeclaration()
        {
            using var pe = new PEReader(File.OpenRead(CheckPath));
            var md = pe.GetMetadataReader();
            var names = new List<string>();
            foreach (var handle in md.AssemblyReferences)
            {
                var reference = md.GetAssemblyReference(handle);
                string name = md.GetString(reference.Name);
                names.Add(name);
                if (name == "mscorlib") Assert.Equal(NanoCoreLibrary.Identity().Version, reference.Version);
            }
            Assert.Equal(FirmwareReferences.OrderBy(n => n), names.OrderBy(n => n));
        }

        // One job per file, named for its type: every firmware and device-test source must show up
        // as a type in the check assembly, so the glob provably covers them all.
        [Fact]
        public void FirmwareCheck_ContainsATypeForEverySourceFile()
        {
            using var pe = new PEReader(File.OpenRead(CheckPath));
            var md = pe.GetMetadataReader();
            var types = new HashSet<string>(md.TypeDefinitions.Select(h => md.GetString(md.GetTypeDefinition(h).Name)));
            var sources = new[] { "MailGateway.Firmware", "MailGateway.Firmware.Tests" }
                .SelectMany(p => Directory.GetFiles(Path.Combine(RepositoryRoot, "firmware", p), "*.cs", SearchOption.AllDirectories))
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) &&
                            !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar))
                .ToList();
            Assert.NotEmpty(sources);
            var missing = sources.Where(f => !types.Contains(Path.GetFileNameWithoutExtension(f))).ToList();
            Assert.True(missing.Count == 0, "not in the check assembly: " + string.Join(", ", missing));
        }

        // ---- the check fails where it must -----------------------------------------------------

        static MetadataReference[] FirmwareCompileReferences() => new[]
        {
            MetadataReference.CreateFromFile(NanoCoreLibrary.MscorlibPath),
            MetadataReference.CreateFromFile(typeof(MailGateway.Core.Runtime.FatName).Assembly.Location),
            MetadataReference.CreateFromFile(DeclaredPath),
        };

        static (bool Success, string[] Errors, byte[] Image) Compile(string source)
        {
            var compilation = CSharpCompilation.Create("FirmwareProbe", new[] { CSharpSyntaxTree.ParseText(source) }, FirmwareCompileReferences(),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Debug));
            using var image = new MemoryStream();
            var result = compilation.Emit(image);
            string[] errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id + " " + d.GetMessage()).ToArray();
            return (result.Success, errors, image.ToArray());
        }

        [Fact]
        public void DeviceApiInUse_Compiles()
        {
            var (ok, errors, _) = Compile(@"
                namespace Probe { public static class Poller {
                    public static int Read(System.Net.Sockets.Socket s, byte[] b) {
                        if (!s.Poll(0, System.Net.Sockets.SelectMode.SelectRead)) return 0;
                        int n = s.Available;
                        return n == 0 ? -1 : s.Receive(b, 0, n < b.Length ? n : b.Length, System.Net.Sockets.SocketFlags.None);
                    } } }");
            Assert.True(ok, string.Join("\n", errors));
        }

        [Theory]
        // nanoFramework's Socket has no Blocking property and no Select: the device cannot do this.
        [InlineData("public static void F(System.Net.Sockets.Socket s) { s.Blocking = false; }", "CS1061")]
        [InlineData("public static void F(System.Collections.IList l) { System.Net.Sockets.Socket.Select(l, null, null, 0); }", "CS0117")]
        // Not in nanoFramework's mscorlib, nor declared: System.Text, System.Linq, Stopwatch.
        [InlineData("public static string F() { return new System.Text.StringBuilder().ToString(); }", "CS0234")]
        [InlineData("public static long F() { return System.Diagnostics.Stopwatch.GetTimestamp(); }", "CS0234")]
        // A FileStream member nanoFramework's has not got.
        [InlineData("public static void F(System.IO.FileStream f) { f.Flush(true); }", "CS1061")]
        public void CallTheDeviceDoesNotHave_FailsTheCheck(string member, string expectedError)
        {
            var (ok, errors, _) = Compile("namespace Probe { public static class Bad { " + member + " } }");
            Assert.False(ok, "compiled, but the device has no such API: " + member);
            Assert.Contains(errors, e => e.StartsWith(expectedError, StringComparison.Ordinal));
        }

        [Fact]
        public void GenericInFirmwareCode_IsFoundByTheFitCheck()
        {
            var (ok, errors, image) = Compile(@"
                namespace Probe { public static class Jobs {
                    public static int Run(System.Func<int> job) { return job(); } } }");
            Assert.True(ok, string.Join("\n", errors));
            var findings = NanoFitCheck.Check(new MemoryStream(image), FirmwareReferences);
            Assert.Contains(findings, f => f.Kind == NanoFitKind.GenericInstantiation);
        }
    }
}
