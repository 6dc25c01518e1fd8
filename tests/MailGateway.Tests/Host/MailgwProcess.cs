// A real `mailgw` child process (the built emulator, run with dotnet) with its own configuration
// file, for tests that need a process to die: it is stopped only by the PID this class started.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MailGateway.Tests.Host;

public sealed class MailgwProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = new List<string>();
    private readonly ManualResetEventSlim _listening = new ManualResetEventSlim();

    private MailgwProcess(string arguments)
        : this(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    {
    }

    private MailgwProcess(string[] arguments)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet)) dotnet = "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mailgw.dll"));
        foreach (string a in arguments) start.ArgumentList.Add(a);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Collect(string line)
    {
        if (line == null) return;
        lock (_output) _output.Add(line);
        if (line.Contains(": listening on ")) _listening.Set();
    }

    /// <summary>Starts `mailgw run --config file` and waits until it listens.</summary>
    public static MailgwProcess Run(string configFile)
    {
        var p = new MailgwProcess("run --config " + configFile);
        if (!p._listening.Wait(TimeSpan.FromSeconds(60)))
        {
            p.Dispose();
            throw new InvalidOperationException("mailgw did not start:\n" + string.Join("\n", p.Output));
        }
        return p;
    }

    /// <summary>Runs mailgw with arguments to its end (bounded) and returns the exit code.</summary>
    public static int RunToEnd(string arguments, out string output)
    {
        return RunToEnd(arguments, null, out output);
    }

    /// <summary>Like RunToEnd, with input (when not null) written to standard input before it is closed.</summary>
    public static int RunToEnd(string arguments, string input, out string output) =>
        RunToEnd(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), input, out output);

    /// <summary>Like RunToEnd, each argument given whole (one may hold spaces).</summary>
    public static int RunToEnd(string[] arguments, string input, out string output)
    {
        using var p = new MailgwProcess(arguments);
        if (input != null) p._process.StandardInput.Write(input);
        p._process.StandardInput.Close();
        if (!p._process.WaitForExit(60_000)) throw new TimeoutException("mailgw " + string.Join(" ", arguments) + " did not end");
        p._process.WaitForExit();
        output = string.Join("\n", p.Output);
        return p._process.ExitCode;
    }

    /// <summary>Waits (bounded) until a line of output matches; true when one did.</summary>
    public bool WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Any(match)) return true;
            Thread.Sleep(20);
        }
        return Output.Any(match);
    }

    public string[] Output
    {
        get { lock (_output) return _output.ToArray(); }
    }

    public int Pid => _process.Id;

    /// <summary>SIGKILL: the process dies at once, as in a crash (no clean-up runs).</summary>
    public void Crash()
    {
        _process.Kill();
        Assert.True(_process.WaitForExit(30_000));
    }

    /// <summary>SIGTERM: the clean stop a service manager asks for; returns the exit code.</summary>
    public int Terminate()
    {
        Assert.Equal(0, kill(_process.Id, 15));
        Assert.True(_process.WaitForExit(30_000), "mailgw did not stop on SIGTERM");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGHUP: what systemctl reload sends.</summary>
    public void Hangup() => Assert.Equal(0, kill(_process.Id, 1));

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(30_000);
        }
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
