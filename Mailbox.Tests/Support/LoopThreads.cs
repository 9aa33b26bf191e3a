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
    public static async Task<LoopActor> SpawnOnAnotherThreadAsync(LoopActor other, Func<LoopActor> spawn)
    {
        int otherThread = await ThreadOfAsync(other);
        for (int attempt = 0; attempt < 64; attempt++)
        {
            var loop = spawn();
            if (await ThreadOfAsync(loop) != otherThread)
            {
                return loop;
            }

            await LoopTestKit.WithinAsync(loop.StopAsync());
        }

        throw new InvalidOperationException("64 spawns in a row landed on the same thread");
    }
}
