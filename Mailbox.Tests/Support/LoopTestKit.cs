using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace Mailbox.Tests.Support;

/// <summary>
/// Base for tests that assert across threads: an Akka.TestKit per test, async expectations only, bounded waits.
/// Loops are spawned with <see cref="Spawn"/> and stopped by the test itself (<c>await using</c>).
/// </summary>
public abstract class LoopTestKit : TestKit
{
    /// <summary>The longest any single expectation waits: generous for a loaded 2-core CI machine, still bounded.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>How long an "expect nothing" check listens.</summary>
    protected static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    protected LoopTestKit(ITestOutputHelper output) : base(output: output) { }

    /// <summary>Spawns a loop named after the test class.</summary>
    protected LoopActor Spawn(LoopOptions? options = null, string? name = null) =>
        LoopActor.Spawn(name ?? GetType().Name, options);

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
