using Xunit.Abstractions;

namespace Mailbox.Tests.Support;

/// <summary>
/// Base for the group-specific tests: each test creates its own <see cref="LoopGroup"/> (<c>await using</c>) and finds
/// out which loops share a thread by asking them, never by assuming a placement policy.
/// </summary>
public abstract class GroupTestKit(ITestOutputHelper output) : LoopTestKit(output)
{
    /// <summary>A group named after the test class.</summary>
    protected LoopGroup CreateGroup(int threads, int turnBudget = 256, bool isBackground = true) =>
        LoopGroup.Create(GetType().Name, new LoopGroupOptions { ThreadCount = threads, TurnBudget = turnBudget, IsBackground = isBackground });

    /// <summary>The thread each loop's work runs on, as the loops themselves report it.</summary>
    protected static Task<int[]> ThreadsOfAsync(IReadOnlyList<LoopActor> loops) => Task.WhenAll(loops.Select(ThreadOfAsync));

    /// <summary>
    /// Spawns loops into <paramref name="group"/> until two share a thread and a third is on another one; the extra
    /// loops stay in the group (the group's stop takes them). Fails if the group never places them so.
    /// </summary>
    protected static async Task<(LoopActor A, LoopActor Sibling, LoopActor Stranger)> SpawnSiblingsAndAStrangerAsync(LoopGroup group)
    {
        var byThread = new Dictionary<int, List<LoopActor>>();
        for (int i = 0; i < 64; i++)
        {
            var loop = group.Spawn($"loop {i}");
            int thread = await ThreadOfAsync(loop);
            if (!byThread.TryGetValue(thread, out var list))
            {
                byThread[thread] = list = [];
            }

            list.Add(loop);
            var pair = byThread.Values.FirstOrDefault(l => l.Count >= 2);
            var other = pair is null ? null : byThread.Values.FirstOrDefault(l => l != pair);
            if (pair is not null && other is not null)
            {
                return (pair[0], pair[1], other[0]);
            }
        }

        throw new InvalidOperationException($"64 loops in a group of {group.ThreadCount} threads, placed on {byThread.Count} thread(s)");
    }
}
