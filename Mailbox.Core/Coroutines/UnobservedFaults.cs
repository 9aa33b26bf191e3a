using System.Runtime.CompilerServices;

namespace Mailbox;

/// <summary>
/// Makes sure a coroutine's fault is not swallowed when nobody awaits its task. The loop cannot know whether a caller
/// will still look at a task, so the reliable point is the one .NET itself uses: when the faulted task is collected
/// unobserved, <see cref="TaskScheduler.UnobservedTaskException"/> fires. Each coroutine fault is remembered here (weakly,
/// by its exception object), so that the handler can tell which loop and coroutine it came from and report it there.
/// The process-wide unobserved-exception policy is left as it is: the event is not marked observed.
/// </summary>
internal static class UnobservedFaults
{
    /// <summary>Coroutine exceptions not yet known to be observed, with where they came from; weak keys.</summary>
    private static readonly ConditionalWeakTable<Exception, Origin> s_origins = [];

    /// <summary>
    /// Installs the handler, once per process, at the first fault tracked: the runtime runs a static constructor exactly
    /// once, before the first call, so a process whose coroutines never fault never subscribes.
    /// </summary>
    static UnobservedFaults() => TaskScheduler.UnobservedTaskException += OnUnobserved;

    /// <summary>Remembers that <paramref name="exceptions"/> ended a coroutine of <paramref name="loop"/>.</summary>
    public static void Track(LoopActor loop, string coroutineName, IEnumerable<Exception> exceptions)
    {
        var origin = new Origin(loop, coroutineName);
        foreach (var exception in exceptions)
        {
            s_origins.AddOrUpdate(exception, origin);
        }
    }

    private static void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        foreach (var exception in e.Exception.InnerExceptions)
        {
            if (s_origins.TryGetValue(exception, out var origin))
            {
                s_origins.Remove(exception); // reported once, even when the same exception ended several tasks
                origin.Loop.ReportUnobservedCoroutineFault(origin.CoroutineName, exception);
            }
        }
    }

    private sealed record Origin(LoopActor Loop, string CoroutineName);
}
