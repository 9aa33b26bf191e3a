namespace Mailbox.Tests.Support;

/// <summary>
/// Racers on threads of their own (imported with <c>using static</c> by the project): two racers then start together
/// even when the pool is busy, which a race test needs to mean anything.
/// </summary>
public static class DedicatedThreads
{
    /// <summary>Runs <paramref name="work"/> on a thread of its own.</summary>
    public static Task OnDedicatedThread(Action work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Runs <paramref name="work"/> on a thread of its own and returns what it returns.</summary>
    public static Task<T> OnDedicatedThread<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
