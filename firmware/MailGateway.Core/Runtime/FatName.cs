// 8.3 file names, the only names a FAT card without long-name support is sure to keep.
namespace MailGateway.Core.Runtime
{
    public static class FatName
    {
        /// <summary>True for NAME or NAME.EXT with 1-8 and 1-3 characters from A-Z, 0-9, '_' and '-'.</summary>
        public static bool IsValid(string name)
        {
            if (name == null) return false;
            int dot = name.IndexOf('.');
            int baseLength = dot < 0 ? name.Length : dot;
            if (baseLength < 1 || baseLength > 8) return false;
            if (dot >= 0)
            {
                int extLength = name.Length - dot - 1;
                if (extLength < 1 || extLength > 3) return false;
            }
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (i == dot) continue;
                bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
                if (!ok) return false;
            }
            return true;
        }
    }
}
