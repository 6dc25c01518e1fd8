// The proof that the built core runs on nanoFramework: the exact MailGateway.Core.dll the tests
// and the emulator load (the test project references the core, so this is the IL that was
// compiled against nanoFramework's mscorlib) passes NanoFitCheck, and its one reference is
// nanoFramework's mscorlib — not a .NET mscorlib 4.0.0.0, which is what NoStdLib alone silently
// produces (see NANO-FIT.md).
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Xunit;

namespace MailGateway.Tests.Fit
{
    public class CoreFitsNanoFrameworkTests
    {
        static string CorePath => typeof(MailGateway.Core.Runtime.FatName).Assembly.Location;

        static List<(string Name, Version Version, string PublicKeyToken)> CoreReferences()
        {
            using var stream = File.OpenRead(CorePath);
            using var pe = new PEReader(stream);
            var md = pe.GetMetadataReader();
            var references = new List<(string, Version, string)>();
            foreach (var handle in md.AssemblyReferences)
            {
                var reference = md.GetAssemblyReference(handle);
                byte[] keyOrToken = md.GetBlobBytes(reference.PublicKeyOrToken);
                bool isFullKey = (reference.Flags & System.Reflection.AssemblyFlags.PublicKey) != 0;
                string token = isFullKey ? NanoCoreLibrary.TokenOfKey(keyOrToken) : Convert.ToHexStringLower(keyOrToken);
                references.Add((md.GetString(reference.Name), reference.Version, token));
            }
            return references;
        }

        [Fact]
        public void Core_HasNoNanoFitFindings()
        {
            var findings = NanoFitCheck.Check(CorePath);
            Assert.True(findings.Count == 0,
                findings.Count + " construct(s) in " + CorePath + " do not run on nanoFramework:\n  " + string.Join("\n  ", findings));
        }

        [Fact]
        public void Core_ReferencesOnlyMscorlib()
        {
            var names = CoreReferences().Select(r => r.Name).ToArray();
            Assert.Equal(new[] { "mscorlib" }, names);
        }

        [Fact]
        public void Core_MscorlibIsNanoFrameworks_NotDotNets()
        {
            var (name, version, token) = Assert.Single(CoreReferences());
            Assert.Equal("mscorlib", name);
            // .NET Framework / netstandard's mscorlib is 4.0.0.0 with token b77a5c561934e089.
            Assert.NotEqual(new Version(4, 0, 0, 0), version);
            Assert.NotEqual("b77a5c561934e089", token);

            var nano = NanoCoreLibrary.Identity();
            Assert.Equal(nano.Version, version);
            Assert.Equal(nano.PublicKeyToken, token);
        }
    }
}
