// Finds nanoFramework's mscorlib.dll in the NuGet package folder the core was restored into, and
// reads its identity (version and public key token) so tests can compare a reference against it.
// The folder is NUGET_PACKAGES when set, else the default ~/.nuget/packages. The package version
// is the one firmware/MailGateway.Core/MailGateway.Core.csproj references; bump both together.
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;

namespace MailGateway.Tests.Fit
{
    public static class NanoCoreLibrary
    {
        public const string PackageId = "nanoframework.corelibrary";
        public const string PackageVersion = "1.17.11";

        public static string MscorlibPath
        {
            get
            {
                string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
                if (string.IsNullOrEmpty(packages))
                    packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
                string path = Path.Combine(packages, PackageId, PackageVersion, "lib", "mscorlib.dll");
                if (!File.Exists(path))
                    throw new FileNotFoundException("nanoFramework's mscorlib not found; restore the solution (or set NUGET_PACKAGES)", path);
                return path;
            }
        }

        /// <summary>Assembly version and public key token of the package's mscorlib.</summary>
        public static (Version Version, string PublicKeyToken) Identity()
        {
            using var stream = File.OpenRead(MscorlibPath);
            using var pe = new PEReader(stream);
            var md = pe.GetMetadataReader();
            var assembly = md.GetAssemblyDefinition();
            return (assembly.Version, TokenOfKey(md.GetBlobBytes(assembly.PublicKey)));
        }

        /// <summary>The token is the last 8 bytes of the key's SHA-1, reversed (ECMA-335 §II.6.3).</summary>
        public static string TokenOfKey(byte[] publicKey)
        {
            byte[] hash = SHA1.HashData(publicKey);
            byte[] token = hash[^8..];
            Array.Reverse(token);
            return Convert.ToHexStringLower(token);
        }
    }
}
