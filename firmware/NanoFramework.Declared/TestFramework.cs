// Declared from nanoFramework.TestFramework (namespace nanoFramework.TestFramework): the
// attributes and the non-generic Assert.AreEqual overloads the device tests use. Empty bodies: a
// compile-time description of the device's API, never run.
using CallerArgumentExpression = System.Runtime.CompilerServices.CallerArgumentExpressionAttribute;

namespace nanoFramework.TestFramework
{
    // nanoFramework.TestFramework | nanoFramework.TestFramework
    [global::System.AttributeUsage(global::System.AttributeTargets.Class)]
    public class TestClassAttribute : global::System.Attribute
    {
    }

    // nanoFramework.TestFramework | nanoFramework.TestFramework
    [global::System.AttributeUsage(global::System.AttributeTargets.Method)]
    public class TestMethodAttribute : global::System.Attribute
    {
    }

    // nanoFramework.TestFramework | nanoFramework.TestFramework
    public sealed class Assert
    {
        private Assert() { }
        // nanoFramework.TestFramework | nanoFramework.TestFramework
        public static void AreEqual(bool expected, bool actual, [CallerArgumentExpression("actual")] string message = "") { throw new global::System.NotImplementedException(); }
        // nanoFramework.TestFramework | nanoFramework.TestFramework
        public static void AreEqual(int expected, int actual, [CallerArgumentExpression("actual")] string message = "") { throw new global::System.NotImplementedException(); }
        // nanoFramework.TestFramework | nanoFramework.TestFramework
        public static void AreEqual(string expected, string actual, [CallerArgumentExpression("actual")] string message = "") { throw new global::System.NotImplementedException(); }
    }
}
