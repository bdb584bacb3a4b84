namespace EdgeTiny.Runtime.Memory
{
    /// <summary>The model cannot run within the given budget; says the minimum it needs.</summary>
    public sealed class MemoryBudgetException : System.Exception
    {
        public readonly long MinimumBytes;
        public readonly long BudgetBytes;

        public MemoryBudgetException(long minimumBytes, long budgetBytes, string detail)
            : base("the model needs at least " + minimumBytes.ToString() + " bytes (" + detail + "); the budget is "
                + budgetBytes.ToString() + " bytes")
        {
            MinimumBytes = minimumBytes;
            BudgetBytes = budgetBytes;
        }
    }
}
