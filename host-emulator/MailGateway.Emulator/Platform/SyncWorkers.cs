// The threads HostStorage's background commit runs a batch's fsyncs on: the commit thread takes
// files itself and up to MaxWorkers parked threads take the others, each waking on its own event,
// so the file system sees the commits together and merges them. The threads are made at the first
// batch that needs them and then wait in the kernel without spinning (no thread pool, whose idle
// workers spin and yield). Only the commit thread calls Run.
using System;
using System.Threading;

namespace MailGateway.Emulator.Platform
{
    internal sealed class SyncWorkers
    {
        private const int MaxWorkers = 15;

        private readonly AutoResetEvent[] _go = new AutoResetEvent[MaxWorkers];
        private readonly ManualResetEventSlim _done = new ManualResetEventSlim(false, 0);
        private int _started;
        private Action<int> _job;
        private int _count;
        private int _next;
        private int _busy;

        /// <summary>Calls job(i) for every i in 0..count-1, on parallel threads; returns when all have returned.</summary>
        public void Run(int count, Action<int> job)
        {
            if (count <= 1)
            {
                if (count == 1) job(0);
                return;
            }
            _job = job;
            _count = count;
            _next = -1;
            int helpers = Math.Min(count - 1, MaxWorkers);
            _busy = helpers;
            _done.Reset();
            for (int w = 0; w < helpers; w++)
            {
                if (w == _started) Start();
                _go[w].Set();
            }
            try
            {
                Work();
            }
            finally
            {
                _done.Wait(); // the helpers are done with the job even when the caller's part threw
                _job = null;
            }
        }

        private void Start()
        {
            int w = _started++;
            _go[w] = new AutoResetEvent(false);
            Thread thread = new Thread(() =>
            {
                while (true)
                {
                    _go[w].WaitOne();
                    try
                    {
                        Work();
                    }
                    catch (Exception)
                    {
                        // The job reports its own failures (HostStorage's sync records each file's);
                        // anything else must not end the process from a thread of ours.
                    }
                    finally
                    {
                        if (Interlocked.Decrement(ref _busy) == 0) _done.Set();
                    }
                }
            });
            thread.IsBackground = true;
            thread.Name = "fsync " + w;
            thread.Start();
        }

        private void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref _next)) < _count) _job(i);
        }
    }
}
