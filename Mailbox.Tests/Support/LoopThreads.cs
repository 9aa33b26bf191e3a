namespace Mailbox.Tests.Support;

/// <summary>
/// Which thread a loop's work runs on, asked of the loop itself: what the group tests use instead of assuming a
/// placement policy (imported with <c>using static</c> by the project).
/// </summary>
public static class LoopThreads
{
    /// <summary>The managed thread id the loop's work runs on.</summary>
    public static Task<int> ThreadOfAsync(LoopActor loop) =>
        LoopTestKit.WithinAsync(loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId)));

    /// <summary>
    /// Spawns (with <paramref name="spawn"/>) a loop whose work runs on another thread than <paramref name="other"/>'s. A
    /// dedicated loop always does; a grouped one is spawned until the group places one elsewhere (the loops placed on
    /// the same thread meanwhile are stopped), so the test holds whatever the placement policy.
    /// </summary>
    public static Task<LoopActor> SpawnOnAnotherThreadAsync(LoopActor other, Func<LoopActor> spawn) =>
        SpawnUntilAsync(other, spawn, sameThread: false);

    /// <summary>
    /// Spawns (with <paramref name="spawn"/>) a grouped loop whose work runs on <paramref name="other"/>'s thread: a
    /// sibling, whatever the placement policy (the loops placed elsewhere meanwhile are stopped). Grouped loops only.
    /// </summary>
    public static Task<LoopActor> SpawnOnTheSameThreadAsync(LoopActor other, Func<LoopActor> spawn) =>
        SpawnUntilAsync(other, spawn, sameThread: true);

    private static async Task<LoopActor> SpawnUntilAsync(LoopActor other, Func<LoopActor> spawn, bool sameThread)
    {
        int otherThread = await ThreadOfAsync(other);
        for (int attempt = 0; attempt < 64; attempt++)
        {
            var loop = spawn();
            if ((await ThreadOfAsync(loop) == otherThread) == sameThread)
            {
                return loop;
            }

            await LoopTestKit.WithinAsync(loop.StopAsync());
        }

        throw new InvalidOperationException($"64 spawns in a row landed {(sameThread ? "on other threads" : "on the same thread")}");
    }
}
