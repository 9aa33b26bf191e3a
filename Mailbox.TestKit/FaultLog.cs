namespace Mailbox.TestKit;

/// <summary>
/// The faults of a test's loops that no expectation has claimed yet. Loops add from their threads; the test claims
/// (<see cref="LoopTestKit.ExpectFaultAsync{TException}"/>) and, at its end, reads what is left.
/// </summary>
internal sealed class FaultLog
{
    /// <summary>Guards <see cref="_unclaimed"/> and <see cref="_changed"/>.</summary>
    private readonly Lock _lock = new();

    /// <summary>Faults in the order reported, not yet claimed; a linked list so that claiming the first is O(1).</summary>
    private readonly LinkedList<RecordedFault> _unclaimed = new();

    /// <summary>Completed (and replaced) at every new fault, so a waiting claim looks again.</summary>
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Records a fault.</summary>
    public void Add(RecordedFault fault)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _unclaimed.AddLast(fault);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
    }

    /// <summary>Claims the first unclaimed fault that matches, waiting for one until <paramref name="deadline"/>; null if none came.</summary>
    public async Task<RecordedFault?> ClaimAsync(Func<RecordedFault, bool> match, DateTime deadline)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                for (var node = _unclaimed.First; node is not null; node = node.Next)
                {
                    if (match(node.Value))
                    {
                        _unclaimed.Remove(node);
                        return node.Value;
                    }
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            await Task.WhenAny(changed, Task.Delay(left)).ConfigureAwait(false);
        }
    }

    /// <summary>The faults nobody claimed, as of now.</summary>
    public RecordedFault[] Unclaimed()
    {
        lock (_lock)
        {
            return [.. _unclaimed];
        }
    }
}
