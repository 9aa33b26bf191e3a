using BenchmarkDotNet.Attributes;
using Mailbox.Bench.Baselines;
using Nito.AsyncEx;

namespace Mailbox.Bench;

/// <summary>
/// The cost of one coroutine step: a single coroutine yields <see cref="Steps"/> times to the back of its loop's queue,
/// so each step is one trip through the loop's mailbox and one resumption on the loop thread. The foreign benchmark
/// thread starts the coroutine and waits for its end; that one hand-off per invocation is noise against the steps.
/// </summary>
public class CoroutineStepsBenchmarks
{
    /// <summary>Yields per invocation.</summary>
    private const int Steps = 1_000_000;

    /// <summary>The Mailbox coroutine, cached.</summary>
    private static readonly Func<Task> s_loopYieldSteps = LoopYieldSteps;

    /// <summary>The coroutine Nito's context runs, cached.</summary>
    private static readonly Func<Task> s_taskYieldSteps = TaskYieldSteps;

    /// <summary>The baseline subject.</summary>
    private Baselines.MinimalSyncContext? _context;

    /// <summary>The Mailbox subject.</summary>
    private LoopActor? _loop;

    /// <summary>Coroutines the Mailbox loop was sent over the process's life, to check its <see cref="StopReport"/>.</summary>
    private long _loopRequests;

    /// <summary>Starts the minimal synchronization context's thread.</summary>
    [GlobalSetup(Target = nameof(MinimalSyncContext))]
    public void SetupMinimalSyncContext() => _context = new Baselines.MinimalSyncContext("bench-sync-context");

    /// <summary>Spawns the Mailbox loop.</summary>
    [GlobalSetup(Target = nameof(Mailbox_Yield))]
    public void SetupMailbox() => _loop = LoopActor.Spawn("bench-coroutine");

    /// <summary>Stops whichever subject this process set up; for Mailbox, checks that its report counts every coroutine request once.</summary>
    /// <exception cref="InvalidOperationException">The Mailbox loop's report disagrees with the requests sent to it.</exception>
    [GlobalCleanup]
    public void Cleanup()
    {
        _context?.Dispose();
        if (_loop is not null)
        {
            LoopReports.StopAndVerify(_loop, _loopRequests, "coroutine requests");
        }
    }

    /// <summary>Baseline: <c>await Task.Yield()</c> under <see cref="Baselines.MinimalSyncContext"/>, started by a post to it.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public Task MinimalSyncContext()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _context!.Post(static state => _ = CompleteWhenDone(TaskYieldSteps(), (TaskCompletionSource)state!), done);
        return done.Task;
    }

    /// <summary><c>await loop.RunAsync(async () => { for (...) await LoopActor.Yield(); })</c>.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public Task Mailbox_Yield()
    {
        _loopRequests++;
        return _loop!.RunAsync(s_loopYieldSteps);
    }

    /// <summary><c>AsyncContext.Run(async () => { for (...) await Task.Yield(); })</c>: Nito runs the context on the calling (benchmark) thread and blocks it until the coroutine ends.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public void Nito_AsyncContext() => AsyncContext.Run(s_taskYieldSteps);

    /// <summary>The Mailbox coroutine: <see cref="Steps"/> yields through the loop's own awaitable.</summary>
    private static async Task LoopYieldSteps()
    {
        for (int i = 0; i < Steps; i++)
        {
            await LoopActor.Yield();
        }
    }

    /// <summary>The coroutine of the other subjects: <see cref="Steps"/> yields to the current synchronization context.</summary>
    private static async Task TaskYieldSteps()
    {
        for (int i = 0; i < Steps; i++)
        {
            await Task.Yield();
        }
    }

    /// <summary>Hands the outcome of <paramref name="coroutine"/> to <paramref name="done"/>, which the foreign benchmark thread awaits.</summary>
    private static async Task CompleteWhenDone(Task coroutine, TaskCompletionSource done)
    {
        try
        {
            await coroutine.ConfigureAwait(false);
            done.SetResult();
        }
        catch (Exception exception)
        {
            done.SetException(exception);
        }
    }
}
