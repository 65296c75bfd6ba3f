import type { ComponentType } from "react";
import type { Directory } from "../directory";
import type { Link } from "../status";
import { EmailSection } from "./email";
import { PhoneSection } from "./phone";
import { ModelSection } from "./model";
import { PermissionsSection } from "./permissions";
import { TimeZoneSection } from "./time-zone";

export interface SettingsSectionProps {
  directory: Directory;
  link: Link;
}

/**
 * The settings page is this list. A new setting is one file in this folder
 * exporting a component that takes SettingsSectionProps, plus one line here.
 */
export const SETTINGS_SECTIONS: Array<{ id: string; title: string; Section: ComponentType<SettingsSectionProps> }> = [
  { id: "model", title: "Model", Section: ModelSection },
  { id: "permissions", title: "Permissions", Section: PermissionsSection },
  { id: "time-zone", title: "Time zone", Section: TimeZoneSection },
  { id: "email", title: "Email", Section: EmailSection },
  { id: "phone", title: "Phone calls", Section: PhoneSection }
];

export function SettingsView({ directory, link }: SettingsSectionProps) {
  return (
    <div className="settings">
      <h2>Settings</h2>
      {SETTINGS_SECTIONS.map(({ id, title, Section }) => (
        <section key={id} className="settings-section" aria-labelledby={`settings-${id}`}>
          <h3 id={`settings-${id}`}>{title}</h3>
          <Section directory={directory} link={link} />
        </section>
      ))}
    </div>
  );
}
