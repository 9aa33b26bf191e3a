using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace Mailbox.Tests.Support;

/// <summary>
/// Base for tests that assert across threads: an Akka.TestKit per test, async expectations only, bounded waits.
/// Loops are spawned with <see cref="Spawn"/> and stopped by the test itself (<c>await using</c>).
/// </summary>
/// <remarks>
/// The kind of loop is the configuration: an area's test class is abstract and its sealed leaves set <see cref="Kind"/>
/// (the pattern of dotnet/runtime's Channels tests). For <see cref="LoopKind.Grouped"/> the loops of one test share one
/// <see cref="LoopGroup"/>, created at the first spawn and stopped (and its threads joined) when the test ends.
/// <para>
/// Why <see cref="GroupThreads"/> is 2: with one thread, every test that uses two loops would run them as siblings,
/// and the tests whose point is a loop of <em>another</em> thread (RunUntilComplete from one loop onto another) could
/// not run grouped; with two, a test still gets siblings from its third loop on, both placement policies
/// (round-robin, least-loaded) put a fresh group's first two loops on different threads, and it is the
/// <see cref="Environment.ProcessorCount"/> of the 2-core CI machine. Tests that need siblings or strangers do not rely
/// on placement: they look at the thread (<see cref="SpawnOnAnotherThreadAsync"/>).
/// </para>
/// </remarks>
public abstract class LoopTestKit : TestKit, IAsyncLifetime
{
    /// <summary>The longest any single expectation waits: generous for a loaded 2-core CI machine, still bounded.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>How long an "expect nothing" check listens.</summary>
    protected static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    /// <summary>The group this test's grouped loops share; null until the first grouped spawn.</summary>
    private LoopGroup? _group;

    protected LoopTestKit(ITestOutputHelper output) : base(output: output) { }

    /// <summary>Which kind of loop <see cref="Spawn"/> makes. Dedicated unless a leaf says otherwise.</summary>
    protected virtual LoopKind Kind => LoopKind.Dedicated;

    /// <summary>Threads of the group a grouped leaf spawns into (see the remarks on the class for why 2).</summary>
    protected virtual int GroupThreads => 2;

    /// <summary>This test's group, created on first use: the one <see cref="Spawn"/> uses for grouped loops.</summary>
    protected LoopGroup Group => _group ??= LoopGroup.Create(GetType().Name, new LoopGroupOptions { ThreadCount = GroupThreads });

    /// <summary>Spawns a loop named after the test class.</summary>
    protected LoopActor Spawn(LoopOptions? options = null, string? name = null) =>
        SpawnLoop(name ?? GetType().Name, options);

    /// <summary>
    /// The loop factory: <see cref="LoopActor.Spawn"/> or <see cref="LoopGroup.Spawn"/> by <see cref="Kind"/>. The name is
    /// passed through as given (null and empty included), so bad-input tests reach the real factory.
    /// </summary>
    protected LoopActor SpawnLoop(string name, LoopOptions? options = null) => Kind switch
    {
        LoopKind.Dedicated => LoopActor.Spawn(name, options),
        LoopKind.Grouped => Group.Spawn(name, options),
        _ => throw new InvalidOperationException($"unknown loop kind {Kind}"),
    };

    /// <summary>The managed thread id the loop's work runs on (asked of the loop itself).</summary>
    protected static Task<int> ThreadOfAsync(LoopActor loop) =>
        Within(loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId)));

    /// <summary>
    /// Spawns a loop whose work runs on another thread than <paramref name="other"/>'s. A dedicated loop always does; a
    /// grouped one is spawned until the group places one elsewhere (the loops placed on the same thread meanwhile are
    /// stopped), so the test holds whatever the placement policy.
    /// </summary>
    protected async Task<LoopActor> SpawnOnAnotherThreadAsync(LoopActor other, LoopOptions? options = null, string? name = null)
    {
        int otherThread = await ThreadOfAsync(other);
        for (int attempt = 0; attempt < 64; attempt++)
        {
            var loop = Spawn(options, name);
            if (await ThreadOfAsync(loop) != otherThread)
            {
                return loop;
            }

            await Within(loop.StopAsync());
        }

        throw new InvalidOperationException("64 spawns in a row landed on the same thread");
    }

    /// <inheritdoc/>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Stops this test's group, if it made one (Drain, as its DisposeAsync would), and waits for its threads to exit.</summary>
    public virtual async Task DisposeAsync()
    {
        if (_group is { } group)
        {
            int left = group.LoopCount;
            var report = await Within(group.StopAsync());
            await Within(group.Completion);
            Output?.WriteLine($"group '{group.Name}': {report.Loops} loops ({left} still running at the end of the test), executed {report.Executed}, discarded {report.Discarded}");
        }
    }

    /// <summary>Awaits a task with <see cref="Patience"/>; a hang fails the test instead of the run.</summary>
    protected static async Task<T> Within<T>(Task<T> task)
    {
        var finished = await Task.WhenAny(task, Task.Delay(Patience)).ConfigureAwait(false);
        Assert.True(finished == task, $"the task did not complete within {Patience}");
        return await task.ConfigureAwait(false);
    }

    /// <inheritdoc cref="Within{T}(Task{T})"/>
    protected static async Task Within(Task task)
    {
        var finished = await Task.WhenAny(task, Task.Delay(Patience)).ConfigureAwait(false);
        Assert.True(finished == task, $"the task did not complete within {Patience}");
        await task.ConfigureAwait(false);
    }
}
